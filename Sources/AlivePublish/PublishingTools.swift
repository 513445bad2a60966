import AliveLedger
import AliveStorage
import Logging

/// The technician's operations on the configured stream, outside a running publisher:
/// `alived keys check`, `alived stream configure`, `alived stream end` (and the control
/// page calls the same). Same configuration, keys and code paths as the publisher.
public final class PublishingTools: Sendable {
    /// What `checkKeys` found.
    public struct KeyCheck: Sendable {
        /// The ledger key against the account (nil with network "none").
        public let ledger: KeyCheckReport?
        /// AliveDB's user and whether the token sign-in worked (nil without AliveDB).
        public let aliveDB: AliveDBCheck?

        public var isValid: Bool { (ledger?.isValid ?? true) && (aliveDB?.problem == nil) }
    }

    public struct AliveDBCheck: Sendable {
        public let user: AliveDBClient.User?
        /// nil when the peer answered and, if it wants one, gave us a token.
        public let problem: String?
    }

    private let components: PublishingComponents

    public init(configuration: PublishingConfiguration, secrets: PublishingSecrets, http: HTTPClient,
                context: Secp256k1Context, logger: Logger = Logger(label: "alived.publish")) throws {
        components = try PublishingComponents(configuration: configuration, secrets: secrets, http: http, context: context, logger: logger)
    }

    /// Derives the public key of the configured key, checks it against the account on
    /// the node, and signs in to AliveDB when one is configured. Throws only when no
    /// node answers; a wrong key is a report with a problem.
    public func checkKeys() async throws -> KeyCheck {
        let ledger = try await components.ledger?.checkKey()
        var aliveDB: AliveDBCheck?
        if let client = components.aliveDB {
            do {
                aliveDB = AliveDBCheck(user: try await client.prepare(), problem: nil)
            } catch let error as PublishError {
                aliveDB = AliveDBCheck(user: try? await client.currentUser(), problem: error.description)
            }
        }
        return KeyCheck(ledger: ledger, aliveDB: aliveDB)
    }

    /// Broadcasts op 2 (type 25 on Avalon) for the configured link and waits until it is
    /// on-chain (at most `timeout`). Refuses when the key does not match the account.
    public func configureStream(timeout: Duration) async throws -> StreamControlResult {
        try await checkLedgerKey()
        let options = await components.streamOptions()
        let deadline = ContinuousClock.now + timeout
        return try await components.control(.configure(options), deadline: { deadline })
    }

    /// Broadcasts op 1 for the configured link and waits until it is on-chain (at most
    /// `timeout`). Avalon has no end-of-stream operation: `unsupported`.
    public func endStream(timeout: Duration) async throws -> StreamControlResult {
        if components.configuration.network == .avalon {
            throw PublishError(.unsupported, "Alive Protocol has no end-of-stream operation on Avalon")
        }
        try await checkLedgerKey()
        let deadline = ContinuousClock.now + timeout
        return try await components.control(.end, deadline: { deadline })
    }

    private func checkLedgerKey() async throws {
        guard let ledger = components.ledger else {
            throw PublishError(.unsupported, "publishing.network is \"none\": there is no stream on a ledger to control")
        }
        let report = try await ledger.checkKey()
        if let problem = report.problem { throw PublishError(.keyMismatch, problem) }
    }
}

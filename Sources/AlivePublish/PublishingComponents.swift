import AliveLedger
import AliveStorage
import Logging
import Synchronization

/// The ledger, AliveDB and stream-control objects one configuration and its keys make,
/// shared by the publisher and the user-facing tools (`alived keys check`, `alived
/// stream configure|end`, the control page) so both run the same code.
struct PublishingComponents: Sendable {
    let configuration: PublishingConfiguration
    let ledger: (any Ledger)?
    let aliveDB: AliveDBClient?
    let resolver: TransactionResolver?
    let logger: Logger

    init(configuration: PublishingConfiguration, secrets: PublishingSecrets, http: HTTPClient,
         context: Secp256k1Context, logger: Logger) throws {
        let configuration = try configuration.validated()
        try secrets.check(for: configuration)
        self.configuration = configuration
        self.logger = logger

        let needsHive = configuration.network == .hive || (configuration.network == .none && configuration.aliveDB != nil)
        let hive = needsHive
            ? HiveNodeClient(nodes: configuration.hive.apiNodes, http: http, requestTimeout: configuration.requestTimeout,
                             cooldown: configuration.nodeCooldown, logger: logger)
            : nil
        var hiveSigner: HiveSigner?
        if needsHive, let key = secrets.postingKey {
            hiveSigner = try Self.keyed("posting_key") { try HiveSigner(key: key, chain: configuration.hive.chain(), context: context) }
        }

        switch configuration.network {
        case .hive:
            guard let hive, let hiveSigner else { throw PublishError(.secrets, "the secrets file lacks posting_key") }
            ledger = HiveLedger(
                client: hive, signer: hiveSigner, streamer: configuration.streamer, link: configuration.link,
                customJSONID: configuration.hive.customJSONID,
                expiresAfter: UInt32(configuration.hive.transactionExpiration.components.seconds),
                indexer: configuration.indexerURL.map {
                    IndexerClient(url: $0, http: http, requestTimeout: configuration.requestTimeout)
                })
        case .avalon:
            guard let key = secrets.avalonKey else { throw PublishError(.secrets, "the secrets file lacks avalon_key") }
            let signer = try Self.keyed("avalon_key") { try AvalonSigner(key: key, context: context) }
            ledger = AvalonLedger(
                client: AvalonNodeClient(nodes: configuration.avalon.apiNodes, http: http, requestTimeout: configuration.requestTimeout,
                                         cooldown: configuration.nodeCooldown, logger: logger),
                signer: signer, sender: configuration.streamer, link: configuration.link)
        case .local:
            ledger = LocalLedger(streamer: configuration.streamer, link: configuration.link)
        case .none:
            ledger = nil
        }

        if let settings = configuration.aliveDB {
            var login: (userID: String, key: String)?
            if let userID = settings.userID, let key = secrets.aliveDBKey { login = (userID, key) }
            aliveDB = AliveDBClient(
                url: settings.url, http: http, network: "hive", streamer: configuration.streamer, link: configuration.link,
                signIn: hive.flatMap { hive in hiveSigner.map { AliveDBClient.SignIn(hive: hive, signer: $0) } },
                login: login, requestTimeout: configuration.requestTimeout, logger: logger)
        } else {
            aliveDB = nil
        }

        resolver = ledger.map {
            TransactionResolver(
                ledger: $0,
                timing: .init(pollInterval: configuration.confirmationPollInterval, rebroadcastInterval: configuration.rebroadcastInterval,
                              maximumRetryDelay: configuration.maximumRetryDelay),
                logger: logger)
        }
    }

    /// Key errors name the secret, never its value.
    private static func keyed<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as LedgerError {
            throw PublishError(.secrets, "\(name) cannot be used: \(error.detail)")
        }
    }

    /// Op 2's optional fields: the AliveDB key when segments are also cached off-chain,
    /// the preferred gateway, the storage network when it is not IPFS.
    func streamOptions() async -> AliveStreamOptions {
        var options = AliveStreamOptions(
            gateway: configuration.gateway, storage: configuration.storage == .ipfs ? nil : configuration.storage)
        if let aliveDB {
            do {
                let user = try await aliveDB.currentUser()
                if let pub = user.publicKey, (1...100).contains(pub.count) {
                    options.alivedbPub = pub
                    options.l2 = "gundb"
                }
            } catch {
                logger.warning("alivedb user unknown, configuring the stream without its key", metadata: ["alivedb.error": "\(error)"])
            }
        }
        return options
    }

    /// Signs and broadcasts op 2 (op 1 for `.end`) and waits until it is on-chain,
    /// re-signing it if it expires unseen (both are idempotent for consumers).
    func control(_ purpose: LedgerPurpose, deadline: @escaping @Sendable () -> ContinuousClock.Instant?,
                 problem: @escaping @Sendable (String?) -> Void = { _ in }) async throws -> StreamControlResult {
        guard let ledger, let resolver else {
            throw PublishError(.unsupported, "publishing.network is \"none\": there is no stream on a ledger to control")
        }
        let first = try await ledger.controlTransaction(purpose)
        let landed = Landed()
        let block = try await resolver.resolve(
            first, purpose: purpose, deadline: deadline,
            hooks: .init(
                included: { transaction, _ in landed.set(transaction.transactionID) },
                expired: { _, _ in try await ledger.controlTransaction(purpose) },
                problem: problem))
        return StreamControlResult(network: ledger.network, transactionID: landed.get() ?? first.transactionID, block: block)
    }
}

/// The outcome of `alived stream configure|end`.
public struct StreamControlResult: Sendable, Equatable {
    public let network: String
    /// Hive transaction id, or the Avalon transaction hash.
    public let transactionID: String
    /// The block it landed in, when the ledger says.
    public let block: Int64?
}

/// Which transaction finally landed (it may be a re-signed one).
private final class Landed: Sendable {
    private let id = Mutex<String?>(nil)
    func set(_ value: String) { id.withLock { $0 = value } }
    func get() -> String? { id.withLock { $0 } }
}

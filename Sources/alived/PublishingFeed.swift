import AliveControl
import AliveJournal
import AliveLedger
import AlivePublish
import AliveStorage
import Foundation
import Logging
import ServiceLifecycle

/// Storage → publishing inside `alived run`: the configuration's `[publishing]` table
/// made into a `Publisher` over the journal in the data folder, fed with the storage
/// stage's events (stored segments and gaps, in sequence order), and the stream
/// operations the control page offers. Owns what it opened (journal, secp256k1 context,
/// its own HTTP client: uploads on a shared client could delay AliveDB pushes) and closes
/// it when the publisher has stopped.
final class PublishingFeed: Service, Sendable {
    let configuration: PublishingConfiguration
    private let publisher: Publisher
    private let tools: PublishingTools
    private let journal: Journal
    private let context: Secp256k1Context
    private let http: HTTPClient
    private let logger: Logger

    /// The journal's file in the data folder.
    static func journalPath(dataDirectory: String) -> String { dataDirectory + "/journal.sqlite" }

    /// - Parameters:
    ///   - configurationText: the box's configuration as TOML (its `[publishing]` table is read).
    ///   - chunkStorage: the storage uploader (chunks go where the segments go); nil without storage.
    init(configurationText: String, dataDirectory: String, chunkStorage: (any ChunkStorage)?, logger: Logger) throws {
        let configuration = try PublishingConfiguration.parse(toml: configurationText)
        let secretsPath = configuration.secretsFile ?? dataDirectory + "/secrets.toml"
        // A local record signs nothing: it needs no secrets file (a fresh box may have none yet).
        let secrets = configuration.network == .local && !FileManager.default.fileExists(atPath: secretsPath)
            ? PublishingSecrets()
            : try PublishingSecrets.load(path: secretsPath)
        let journal = try Journal(path: Self.journalPath(dataDirectory: dataDirectory))
        var opened: (context: Secp256k1Context?, http: HTTPClient?) = (nil, nil)
        do {
            let context = try Secp256k1Context()
            opened.context = context
            let http = try HTTPClient(logger: logger)
            opened.http = http
            publisher = try Publisher(configuration: configuration, secrets: secrets, journal: journal, http: http,
                                      chunkStorage: chunkStorage, context: context, logger: logger)
            tools = try PublishingTools(configuration: configuration, secrets: secrets, http: http, context: context, logger: logger)
            self.context = context
            self.http = http
        } catch {
            opened.http?.shutdown()
            opened.context?.close()
            try? journal.close()
            throw error
        }
        self.configuration = configuration
        self.journal = journal
        self.logger = logger
        logger.info("publishing enabled", metadata: [
            "ledger.network": "\(configuration.network.rawValue)", "ledger.streamer": "\(configuration.streamer)",
            "ledger.link": "\(configuration.link)", "alivedb.enabled": "\(configuration.aliveDB != nil)",
            "journal.file": "\(Self.journalPath(dataDirectory: dataDirectory))",
        ])
    }

    /// The batch interval a configuration's `[publishing]` table sets (nil when it has no
    /// valid table: the API refuses those before they get here).
    static func batchInterval(in configuration: BoxConfiguration) -> Duration? {
        guard configuration.publishing != nil else { return nil }
        return try? PublishingConfiguration.parse(toml: configuration.renderTOML()).batchInterval
    }

    func setBatchInterval(_ interval: Duration) throws {
        try publisher.setBatchInterval(interval)
    }

    /// A storage stage event, awaited before the ring lets the segment go: once this
    /// returns the segment is in the journal (or queued for AliveDB with no ledger).
    func handle(_ event: StorageEvent) async {
        await publisher.handle(event)
    }

    func run() async throws {
        defer {
            http.shutdown()
            context.close()
            do { try journal.close() } catch { logger.error("journal did not close cleanly", metadata: ["journal.error": "\(error)"]) }
        }
        do {
            try await publisher.run()
            // Ended from the page: the rest of the box (ingest, ring, storage, preview) goes on.
            try await gracefulShutdown()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A wrong key, most often. The rest of the box goes on (ingest, ring, storage,
            // preview) until it is stopped; the status shows why nothing is published.
            logger.critical("publishing stopped: fix the key or the configuration and restart", metadata: ["publish.error": "\(error)"])
            try await gracefulShutdown()
        }
    }

    var summary: PublishingSummary {
        let status = publisher.status
        return PublishingSummary(
            phase: status.phase.rawValue, network: configuration.network.rawValue, streamer: configuration.streamer,
            link: configuration.link, segmentsReceived: status.segmentsReceived, gaps: status.gaps,
            aliveDB: configuration.aliveDB.map { _ in
                PublishingSummary.AliveDB(pushed: status.aliveDBPushed, failed: status.aliveDBFailed, dropped: status.aliveDBDropped,
                                          alreadyHeld: status.aliveDBAlreadyHeld, recovered: status.aliveDBRecovered)
            },
            nextSeq: status.nextSeq, lastConfirmedSeq: status.lastConfirmedSeq, lastTransactionID: status.lastTransactionID,
            pushesConfirmed: status.pushesConfirmed, streamEnded: status.streamEnded, lastProblem: status.lastProblem,
            localPushes: configuration.network == .local ? status.recentLocalPushes : nil,
            discontinuities: status.discontinuities)
    }

    /// The page's buttons: configure runs `alived stream configure`'s code; end goes through
    /// the running publisher (flush, then op 1, then no more pushes), or `alived stream
    /// end`'s code when the publisher is not running (a wrong key: it refuses too).
    var streamControl: StreamControl {
        let (tools, publisher) = (tools, publisher)
        return StreamControl(
            configure: { try await Self.outcome { try await tools.configureStream(timeout: Self.streamControlTimeout) } },
            end: {
                try await Self.outcome {
                    switch publisher.status.phase {
                    case .starting, .running, .stopping: try await publisher.endStream()
                    case .idle, .stopped, .failed: try await tools.endStream(timeout: Self.streamControlTimeout)
                    }
                }
            })
    }

    /// How long the page waits for a configure/end transaction to be on-chain.
    static let streamControlTimeout: Duration = .seconds(60)

    private static func outcome(_ body: () async throws -> StreamControlResult) async throws -> StreamControl.Outcome {
        do {
            let result = try await body()
            return StreamControl.Outcome(network: result.network, transactionID: result.transactionID, block: result.block)
        } catch let error as PublishError {
            switch error.kind {
            case .unsupported, .keyMismatch, .configuration, .secrets, .rejected:
                throw StreamControl.Failure(.refused, error.description)
            default:
                throw StreamControl.Failure(.unavailable, error.description)
            }
        }
    }
}

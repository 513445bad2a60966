import AliveControl
import AliveJournal
import AliveLedger
import AlivePublish
import AliveStorage
import Foundation
import Logging
import ServiceLifecycle

/// Storage → publishing inside the box: the configuration's `[publishing]` table
/// made into a `StreamDirector` (one stream, one link and one `Publisher` per event) over
/// the journal in the data folder, fed with the storage stage's events (stored segments
/// and gaps, in sequence order), and the stream operations the control page offers. Owns what it opened (journal, secp256k1 context,
/// its own HTTP client: uploads on a shared client could delay AliveDB pushes) and closes
/// it when the publisher has stopped.
final class PublishingFeed: Service, Sendable {
    let configuration: PublishingConfiguration
    private let director: StreamDirector
    private let secrets: PublishingSecrets
    private let journal: Journal
    private let context: Secp256k1Context
    private let http: HTTPClient
    private let logger: Logger

    /// The journal's file in the data folder.
    static func journalPath(dataDirectory: String) -> String { dataDirectory + "/journal.sqlite" }

    /// - Parameters:
    ///   - configuration: the box's `[publishing]` table, read (`BoxConfiguration.publishingConfiguration`).
    ///   - chunkStorage: the storage uploader (chunks go where the segments go); nil without storage.
    ///   - mediaActive: whether an encoder (or the camera) delivers media now (the idle end).
    init(configuration: PublishingConfiguration, dataDirectory: String, chunkStorage: (any ChunkStorage)?, logger: Logger,
         mediaActive: @escaping @Sendable () -> Bool) throws {
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
            director = try StreamDirector(configuration: configuration, secrets: secrets, journal: journal, http: http,
                                          chunkStorage: chunkStorage, context: context, logger: logger, mediaActive: mediaActive)
            self.secrets = secrets
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
            "ledger.link_template": "\(configuration.link)", "alivedb.enabled": "\(configuration.aliveDB != nil)",
            "journal.file": "\(Self.journalPath(dataDirectory: dataDirectory))",
        ])
    }

    func setBatchInterval(_ interval: Duration) throws {
        try director.setBatchInterval(interval)
    }

    /// A storage stage event, awaited before the ring lets the segment go: once this
    /// returns the segment is in the journal (or queued for AliveDB with no ledger).
    func handle(_ event: StorageEvent) async {
        await director.handle(event)
    }

    func run() async throws {
        defer {
            http.shutdown()
            context.close()
            do { try journal.close() } catch { logger.error("journal did not close cleanly", metadata: ["journal.error": "\(error)"]) }
        }
        try await director.run()
    }

    var summary: PublishingSummary {
        let status = director.publisherStatus ?? PublisherStatus()
        let open = director.openStream
        var summary = PublishingSummary(
            phase: open == nil && status.phase != .failed ? "waiting for the encoder" : status.phase.rawValue,
            network: configuration.network.rawValue, streamer: configuration.streamer,
            link: open?.link, linkTemplate: configuration.link, segmentsReceived: status.segmentsReceived, gaps: status.gaps,
            aliveDB: configuration.aliveDB.map { _ in
                PublishingSummary.AliveDB(pushed: status.aliveDBPushed, failed: status.aliveDBFailed, dropped: status.aliveDBDropped,
                                          alreadyHeld: status.aliveDBAlreadyHeld, recovered: status.aliveDBRecovered)
            },
            nextSeq: status.nextSeq, lastConfirmedSeq: status.lastConfirmedSeq, lastTransactionID: status.lastTransactionID,
            pushesConfirmed: status.pushesConfirmed, streamEnded: status.streamEnded, lastProblem: status.lastProblem,
            localPushes: configuration.network == .local ? status.recentLocalPushes : nil,
            discontinuities: status.discontinuities)
        summary.stream = open.map {
            PublishingSummary.OpenStream(link: $0.link, openedAt: Self.date($0.openedAt), segments: $0.segments,
                                         firstSeq: $0.firstSeq, nextSeq: $0.nextSeq, viewerURL: $0.viewerURL)
        }
        summary.pastStreams = director.pastStreams.map {
            PublishingSummary.PastStream(link: $0.link, openedAt: Self.date($0.openedAt), endedAt: Self.date($0.endedAt),
                                         segments: $0.segments, firstSeq: $0.firstSeq, lastSeq: $0.lastSeq,
                                         endTransactionID: $0.endTransactionID, viewerURL: $0.viewerURL)
        }
        summary.unpublishedSegments = director.unpublishedSegments
        return summary
    }

    private static func date(_ unixMilliseconds: Int64?) -> Date? {
        unixMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    /// The page's buttons: configure broadcasts op 2 for the open stream with `alived stream
    /// configure`'s code; end goes through the director (flush, then op 1; the next stream
    /// opens when the encoder starts again).
    var streamControl: StreamControl {
        let (director, configuration, secrets, http, context, logger) = (director, configuration, secrets, http, context, logger)
        return StreamControl(
            configure: {
                try await Self.outcome {
                    guard let link = director.openLink else {
                        throw PublishError(.unsupported, "no stream is open: a stream is configured when the encoder starts")
                    }
                    let tools = try PublishingTools(configuration: configuration.forStream(link: link), secrets: secrets, http: http,
                                                    context: context, logger: logger)
                    return try await tools.configureStream(timeout: Self.streamControlTimeout)
                }
            },
            end: { try await Self.outcome { try await director.endStream() } })
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

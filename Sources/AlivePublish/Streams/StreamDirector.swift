import AliveJournal
import AliveLedger
import AliveStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Streams as a venue runs them: one stream (one link) per event, with no one at the box.
///
/// - A stream is opened (a new link from `publishing.link`'s template, configured on-chain
///   by its publisher before its first push) when a segment arrives and none is open.
/// - The open stream survives encoder reconnects and box restarts that come back within
///   `idleEnd`: one stream with discontinuities (its `Publisher` marks them).
/// - It is ended (flush, then op 1) when no media has arrived for `idleEnd`, from the
///   page (`endStream`), at a graceful stop with `endOnStop`, or before it runs out of
///   seqs (consumers take 17280 pushes a stream: the next segment opens the next link).
///   After an end from the page, the next stream waits for the encoder to leave and come
///   back (an end is not undone by the encoder still sending).
/// - At start the journal says which stream was open: continued if its last activity is
///   recent, ended first if it is idle too long, its end was already asked for, or the
///   template changed. A link the journal knows, or the indexer has seen, is never
///   opened again, so nothing is ever pushed to an ended link.
///
/// Each stream is published by a `Publisher` of its own (they run in this service's task
/// group; an ending one may overlap the next one's start). Intake (`handle`) is called by
/// the storage stage one event at a time.
public final class StreamDirector: Service, Sendable {
    /// The open stream, as status shows it.
    public struct OpenStream: Sendable, Equatable {
        public let link: String
        /// Unix ms.
        public let openedAt: Int64?
        public let segments: Int
        public let firstSeq: Int64?
        public let nextSeq: Int64?
        public let viewerURL: String?
    }

    /// A stream that is over (or being ended).
    public struct PastStream: Sendable, Equatable {
        public let link: String
        public let openedAt: Int64?
        /// nil while its end is on its way.
        public let endedAt: Int64?
        public let segments: Int
        public let firstSeq: Int64?
        public let lastSeq: Int64?
        public let endTransactionID: String?
        public let viewerURL: String?
    }

    private struct Running: Sendable {
        let link: String
        let publisher: Publisher
    }

    private struct State {
        var configuration: PublishingConfiguration
        var current: Running?
        /// The publisher whose status the page shows: the open stream's, else the last one.
        var shown: Publisher?
        var lastActivity = ContinuousClock.now
        var lastActivityNoted = ContinuousClock.now
        /// Ended from the page: no new stream until the encoder has gone (and come back).
        var waitingForEncoderToLeave = false
        var stopping = false
        /// `resume()` has decided about the streams the journal left open.
        var resumed = false
        var records: [JournalStreamRecord] = []
        var unpublished = 0
    }

    public let template: StreamLinkTemplate
    private let secrets: PublishingSecrets
    private let journal: JournalWorker
    private let http: HTTPClient
    private let chunkStorage: (any ChunkStorage)?
    private let context: Secp256k1Context
    private let logger: Logger
    private let mediaActive: @Sendable () -> Bool
    private let maximumSeq: Int64
    private let indexer: IndexerClient?
    private let state: Mutex<State>
    private let launches: (stream: AsyncStream<Publisher>, continuation: AsyncStream<Publisher>.Continuation)
    private let resumedSignal = WakeSignal()
    /// How long intake waits for `run()` to decide about the streams left open.
    static let resumeWait: Duration = .seconds(30)

    /// Seqs kept free at the end of a stream for the flush before its end.
    static let rolloverMargin: Int64 = 32
    /// How often the idle time and the encoder are looked at.
    static let tick: Duration = .seconds(1)
    /// Every this many ticks the journal's stream records (segment counts, seqs) are read again.
    static let refreshTicks = 3
    /// How often a live stream's activity is written to the journal (for a restart's idle check).
    static let activityNoteInterval: Duration = .seconds(30)
    /// Past streams shown at most.
    public static let pastStreamLimit = 20

    /// - Parameters:
    ///   - configuration: `link` is the template; validated.
    ///   - mediaActive: whether an encoder (or the camera) is delivering media now.
    ///   - maximumSeq: the last seq a stream may use (lower only in tests).
    public init(
        configuration: PublishingConfiguration, secrets: PublishingSecrets, journal: Journal, http: HTTPClient,
        chunkStorage: (any ChunkStorage)?, context: Secp256k1Context, logger: Logger,
        mediaActive: @escaping @Sendable () -> Bool, maximumSeq: Int64 = Int64(AliveOperation.maximumSeq)
    ) throws {
        let configuration = try configuration.validated()
        template = try configuration.linkTemplate
        self.secrets = secrets
        self.journal = JournalWorker(journal: journal)
        self.http = http
        self.chunkStorage = chunkStorage
        self.context = context
        self.logger = logger
        self.mediaActive = mediaActive
        self.maximumSeq = min(maximumSeq, Int64(AliveOperation.maximumSeq))
        indexer = configuration.indexerURL.map { IndexerClient(url: $0, http: http, requestTimeout: configuration.requestTimeout) }
        var initial = State(configuration: configuration)
        do {
            initial.records = try journal.streamRecords(network: configuration.network.rawValue, streamer: configuration.streamer,
                                                        limit: Self.pastStreamLimit + 1)
        } catch {
            throw PublishError(.journal, "reading the streams: \(error)")
        }
        state = Mutex(initial)
        launches = AsyncStream.makeStream(of: Publisher.self, bufferingPolicy: .unbounded)
    }

    private var configuration: PublishingConfiguration { state.withLock { $0.configuration } }

    private func key(_ link: String) -> JournalStreamKey {
        let configuration = configuration
        return JournalStreamKey(network: configuration.network.rawValue, streamer: configuration.streamer, link: link)
    }

    // MARK: status

    /// The open stream's publisher status, else the last stream's (nil before any).
    public var publisherStatus: PublisherStatus? { state.withLock { $0.shown }?.status }

    /// The open stream, if any.
    public var openStream: OpenStream? {
        let (current, records, configuration) = state.withLock { ($0.current, $0.records, $0.configuration) }
        guard let current else { return nil }
        // The journal's counts, read again every `tick` (a stream continued after a restart
        // has segments of earlier runs).
        let record = records.first { $0.key.link == current.link }
        return OpenStream(
            link: current.link, openedAt: record?.openedAt, segments: record?.segmentCount ?? 0,
            firstSeq: record?.firstConfirmedSeq, nextSeq: current.publisher.status.nextSeq ?? record?.nextSeq,
            viewerURL: configuration.viewerURL(link: current.link))
    }

    /// Streams that are over or ending, newest first (at most `pastStreamLimit`).
    public var pastStreams: [PastStream] {
        let (current, records, configuration) = state.withLock { ($0.current?.link, $0.records, $0.configuration) }
        return records.reversed().filter { $0.key.link != current && ($0.isEnded || $0.endRequestedAt != nil) }
            .prefix(Self.pastStreamLimit).map {
                PastStream(link: $0.key.link, openedAt: $0.openedAt, endedAt: $0.endedAt, segments: $0.segmentCount,
                           firstSeq: $0.firstConfirmedSeq, lastSeq: $0.lastConfirmedSeq, endTransactionID: $0.endTransactionID,
                           viewerURL: configuration.viewerURL(link: $0.key.link))
            }
    }

    /// Stored segments not published because no stream could take them (ended from the
    /// page with the encoder still sending, or a stream that could not be opened).
    public var unpublishedSegments: Int { state.withLock { $0.unpublished } }

    private func refreshRecords() async {
        let configuration = configuration
        do {
            let records = try await journal.run {
                try $0.streamRecords(network: configuration.network.rawValue, streamer: configuration.streamer,
                                     limit: Self.pastStreamLimit + 1)
            }
            state.withLock { $0.records = records }
        } catch {
            logger.warning("streams not read from the journal", metadata: ["publish.error": "\(error)"])
        }
    }

    // MARK: settings while running

    /// The batch interval for the open stream and every later one (0–300 s).
    public func setBatchInterval(_ interval: Duration) throws {
        let current = state.withLock { $0.current }
        try current?.publisher.setBatchInterval(interval)
        if current == nil, !(Duration.zero ... .seconds(300)).contains(interval) {
            throw PublishError(.configuration, "publishing.batch_interval_seconds: must be 0–300")
        }
        state.withLock { $0.configuration.batchInterval = interval }
    }

    // MARK: intake

    /// A storage stage event: given to the open stream, which is opened first when there is none.
    public func handle(_ event: StorageEvent) async {
        switch event {
        case .stored(let segment):
            await segmentStored(sequence: segment.sequence, hash: segment.object.hash, duration: segment.duration,
                                discontinuity: segment.discontinuity)
        case .gap:
            state.withLock { $0.lastActivity = .now }
            await state.withLock { $0.current }?.publisher.handle(event)
        }
    }

    /// A segment was stored (see `Publisher.segmentStored`): published in the open stream,
    /// opened first when there is none.
    public func segmentStored(sequence: UInt64, hash: String, duration: Double, discontinuity: Bool = false) async {
        state.withLock { $0.lastActivity = .now }
        // The stream left open before a restart must be taken up (or ended) before a new one opens.
        if !state.withLock({ $0.resumed }) {
            await resumedSignal.wait(timeout: Self.resumeWait)
            state.withLock { $0.resumed = true }
        }
        guard let running = await openOrCurrent() else {
            let waiting = state.withLock { state -> Bool in
                state.unpublished += 1
                return state.waitingForEncoderToLeave
            }
            logger.notice("stored segment not published: no stream is open", metadata: [
                "segment.sequence": "\(sequence)",
                "publish.reason": "\(waiting ? "the stream was ended from the page; the next one opens when the encoder starts again" : "no stream could be opened")",
            ])
            return
        }
        // The first segment of a new stream starts its playlist: a reconnect flag on it
        // (the encoder came back for the next event) marks no break.
        let first = running.publisher.status.segmentsReceived == 0 && running.publisher.status.nextSeq == 0
        await running.publisher.segmentStored(sequence: sequence, hash: hash, duration: duration,
                                              discontinuity: discontinuity && !first)
    }

    /// Whether `running` has used nearly all the seqs consumers take for one stream.
    private func isNearlyFull(_ running: Running) -> Bool {
        (running.publisher.status.nextSeq ?? 0) > maximumSeq - Self.rolloverMargin
    }

    private static let fullReason = "the stream is near the pushes consumers take for one: the next segment opens a new one"

    /// Stops the director as a graceful shutdown would (tests, and a box without a service group).
    public func requestStop() {
        beginStop()
    }

    private func openOrCurrent() async -> Running? {
        let (current, waiting, stopping) = state.withLock { ($0.current, $0.waitingForEncoderToLeave, $0.stopping) }
        if let current {
            guard isNearlyFull(current), !stopping else { return current }
            await end(current, reason: Self.fullReason)
        }
        guard !waiting, !stopping else { return nil }
        return await open()
    }

    /// Opens the next stream of the template: a link neither the journal nor the indexer knows.
    private func open() async -> Running? {
        let configuration = configuration
        let now = WallClock.nowMilliseconds()
        let (network, streamer, templateText) = (configuration.network.rawValue, configuration.streamer, template.text)
        let known: Set<String>
        var number: Int
        do {
            (known, number) = try await journal.run {
                (try $0.streamLinks(network: network, streamer: streamer),
                 (try $0.highestStreamNumber(network: network, streamer: streamer, template: templateText) ?? 0) + 1)
            }
        } catch {
            logger.error("stream not opened: the journal cannot say which links are taken", metadata: ["publish.error": "\(error)"])
            return nil
        }
        var link = template.link(number: number, at: now)
        while number < StreamLinkTemplate.maximumNumber {
            if known.contains(link) {
                number += 1
                link = template.link(number: number, at: now)
                continue
            }
            if let indexer, configuration.network == .hive {
                do {
                    if try await indexer.streamInfo(author: configuration.streamer, link: link) != nil {
                        logger.notice("link already on the chain: taking the next one", metadata: ["ledger.link": "\(link)"])
                        number += 1
                        link = template.link(number: number, at: now)
                        continue
                    }
                } catch {
                    // The journal is trusted when the indexer cannot say.
                    logger.warning("new link not checked with the indexer", metadata: ["ledger.link": "\(link)", "publish.error": "\(error)"])
                }
            }
            break
        }
        do {
            let (key, number) = (key(link), number)
            try await journal.run { try $0.openStream(key, template: templateText, number: number, at: now) }
            let running = try launch(link: link)
            logger.notice("stream opened", metadata: ["ledger.link": "\(link)", "ledger.stream_number": "\(number)"])
            await refreshRecords()
            return running
        } catch {
            logger.error("stream not opened", metadata: ["ledger.link": "\(link)", "publish.error": "\(error)"])
            return nil
        }
    }

    /// A publisher for `link`, started in `run()`'s task group; it becomes the open stream.
    @discardableResult
    private func launch(link: String, ending: Bool = false) throws -> Running {
        let publisher = try Publisher(
            configuration: configuration.forStream(link: link), secrets: secrets, journal: journal.journal, http: http,
            chunkStorage: chunkStorage, context: context, logger: logger, maximumSeq: maximumSeq)
        let running = Running(link: link, publisher: publisher)
        if ending {
            publisher.requestEnd()
        }
        state.withLock { state in
            if !ending { state.current = running }
            if !ending || state.shown == nil { state.shown = publisher }
        }
        launches.continuation.yield(publisher)
        return running
    }

    // MARK: ending

    /// Ends `running` (flush, then op 1) without waiting; the next segment opens a new stream.
    private func end(_ running: Running, reason: String) async {
        let wasCurrent = state.withLock { state -> Bool in
            guard state.current?.link == running.link else { return false }
            state.current = nil
            return true
        }
        guard wasCurrent else { return }
        logger.notice("ending the stream", metadata: ["ledger.link": "\(running.link)", "publish.reason": "\(reason)"])
        let key = key(running.link)
        do {
            try await journal.run { try $0.requestEnd(key, at: WallClock.nowMilliseconds()) }
        } catch {
            logger.error("end of stream not noted in the journal", metadata: ["publish.error": "\(error)"])
        }
        running.publisher.requestEnd()
        await refreshRecords()
    }

    /// The page's End button: the open stream is flushed and ended (op 1); the next stream
    /// opens once the encoder has left and starts again. Returns once op 1 is on-chain.
    public func endStream() async throws -> StreamControlResult {
        guard let running = state.withLock({ $0.current }) else {
            throw PublishError(.unsupported, "no stream is open: nothing to end")
        }
        // What the publisher would refuse (no ledger, Avalon, a wrong key) leaves the stream open.
        try running.publisher.checkCanEnd()
        state.withLock { state in
            state.waitingForEncoderToLeave = true
            if state.current?.link == running.link { state.current = nil }
        }
        let key = key(running.link)
        try? await journal.run { try $0.requestEnd(key, at: WallClock.nowMilliseconds()) }
        logger.notice("ending the stream", metadata: ["ledger.link": "\(running.link)", "publish.reason": "asked for from the page"])
        do {
            let result = try await running.publisher.endStream()
            await refreshRecords()
            return result
        } catch {
            await refreshRecords()
            throw error
        }
    }

    /// The open stream's link (for the page's Configure button), nil when none is open.
    public var openLink: String? { state.withLock { $0.current?.link } }

    // MARK: running

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                await self.resume()
                self.state.withLock { $0.resumed = true }
                self.resumedSignal.signal()
                group.addTask { await self.watchIdle() }
                for await publisher in self.launches.stream {
                    group.addTask { await self.runPublisher(publisher) }
                }
                await group.waitForAll()
            }
        } onGracefulShutdown: {
            self.beginStop()
        }
    }

    private func beginStop() {
        let current = state.withLock { state -> Running? in
            state.stopping = true
            return state.current
        }
        current?.publisher.requestStop()
        launches.continuation.finish()
    }

    /// At start: the journal's streams that are not ended are continued (the newest, when
    /// recent) or ended (the others).
    private func resume() async {
        let configuration = configuration
        let now = WallClock.nowMilliseconds()
        let records = state.withLock { $0.records }.filter { !$0.isEnded }
        for (index, record) in records.enumerated() {
            let link = record.key.link
            let last = record.lastActivityAt ?? record.openedAt ?? 0
            let idleFor = Duration.milliseconds(max(0, now - last))
            var reason: String?
            if record.endRequestedAt != nil {
                reason = "its end was asked for before the restart"
            } else if index != records.count - 1 {
                reason = "a newer stream is open"
            } else if idleFor > configuration.idleEnd {
                reason = "idle for \(idleFor.components.seconds) s, longer than publishing.idle_end_seconds"
            } else if let template = record.template, template != self.template.text {
                reason = "publishing.link changed"
            } else if record.template == nil, link != self.template.link(number: 1, at: now), self.template.hasPlaceholders {
                reason = "publishing.link changed"
            }
            if reason == nil, let indexer, configuration.network == .hive,
               let info = try? await indexer.streamInfo(author: configuration.streamer, link: link), info.ended {
                logger.warning("the open stream was ended on the chain: the next segment opens a new one", metadata: ["ledger.link": "\(link)"])
                try? await journal.run { try $0.markEnded(record.key, at: now, transactionID: nil) }
                continue
            }
            do {
                if let reason {
                    logger.notice("ending a stream left open", metadata: ["ledger.link": "\(link)", "publish.reason": "\(reason)"])
                    try await journal.run { try $0.requestEnd(record.key, at: now) }
                    try launch(link: link, ending: true)
                } else {
                    logger.notice("continuing the open stream", metadata: [
                        "ledger.link": "\(link)", "publish.idle_seconds": "\(idleFor.components.seconds)",
                    ])
                    state.withLock { $0.lastActivity = .now - idleFor }
                    try launch(link: link)
                }
            } catch {
                logger.error("stream left open not resumed", metadata: ["ledger.link": "\(link)", "publish.error": "\(error)"])
            }
        }
        await refreshRecords()
    }

    /// Ends the open stream once no media came for `idleEnd`; notes activity in the journal.
    private func watchIdle() async {
        var ticks = 0
        while !state.withLock({ $0.stopping }) {
            try? await Task.sleep(for: Self.tick)
            let active = mediaActive()
            let (current, idleSince, noteDue, idleEnd) = state.withLock { state in
                if active {
                    state.lastActivity = .now
                } else if state.waitingForEncoderToLeave {
                    state.waitingForEncoderToLeave = false
                }
                let noteDue = ContinuousClock.now - state.lastActivityNoted >= Self.activityNoteInterval
                if noteDue { state.lastActivityNoted = .now }
                return (state.current, state.lastActivity, noteDue, state.configuration.idleEnd)
            }
            ticks += 1
            if ticks % Self.refreshTicks == 0 { await refreshRecords() }
            guard let current, !state.withLock({ $0.stopping }) else { continue }
            if ContinuousClock.now - idleSince > idleEnd {
                await end(current, reason: "no media for longer than publishing.idle_end_seconds")
            } else if isNearlyFull(current) {
                await end(current, reason: Self.fullReason)
            } else if noteDue, active {
                let key = key(current.link)
                try? await journal.run { try $0.noteActivity(key, at: WallClock.nowMilliseconds()) }
            }
        }
    }

    private func runPublisher(_ publisher: Publisher) async {
        let link = publisher.configuration.link
        do {
            try await publisher.run()
        } catch is CancellationError {
        } catch {
            // A wrong key, most often. The rest of the box goes on; status shows why.
            logger.critical("publishing stopped: fix the key or the configuration and restart", metadata: [
                "ledger.link": "\(link)", "publish.error": "\(error)",
            ])
        }
        // Without a ledger there is no op 1: the end is the box's own decision.
        let configuration = configuration
        if publisher.endsStreamOnStop, publisher.components.ledger == nil || configuration.network == .avalon,
           publisher.status.phase == .stopped {
            let key = key(link)
            try? await journal.run { try $0.markEnded(key, at: WallClock.nowMilliseconds(), transactionID: nil) }
        }
        if publisher.status.streamEnded || publisher.endsStreamOnStop {
            state.withLock { state in
                if state.current?.link == link { state.current = nil }
            }
        }
        await refreshRecords()
    }
}

import AliveJournal
import AliveLedger
import AliveStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes stored segments the way Alive consumers read them: each one to AliveDB at
/// once, and on the ledger in batches, exactly once.
///
/// Intake (`segmentStored`, `handle(_:)`): the segment is validated, handed to the
/// AliveDB sender first (no disk write in that path), then recorded in the journal.
/// The first segment recorded after a break in the stream is marked as a discontinuity
/// (`AliveDiscontinuity`), so its ledger push tells consumers where playback jumps:
/// after a gap (lost before storage, refused, not journaled), an encoder reconnect
/// (the segment's own flag), or a restart of the box with segments already journaled.
/// AliveDB queue: bounded (`aliveDB.queueCapacity`), policy `dropOldest` (counted; the
/// ledger still carries a dropped segment). AliveDB acknowledgements are noted in the
/// journal; after a restart AliveDB is asked what it holds (`/getStream`) before the
/// first new segment is recorded: the unacknowledged segments it already has are not
/// pushed again, the others go first; segments it holds that the journal never recorded
/// (pushed in the instant before a crash) are recorded then, so the ledger carries every
/// segment that reached AliveDB. Without an answer in time it is at-least-once (AliveDB
/// has no way to refuse a repeat).
///
/// Ledger (one task, strictly in seq order): at start the key is checked against the
/// account (a wrong key is a start-up error and nothing is broadcast), the journal's
/// next seq is cross-checked with the indexer / the Avalon playlist (raised, never
/// lowered), and pushes a crash left unconfirmed are driven to the end first (same
/// signed bytes re-sent until seen, re-signed with the same seq only once they can no
/// longer land). Then every batch interval the segments not yet on-chain become pushes
/// (`BatchPlanner`); each push is recorded in the journal — seq reserved, transaction
/// signed — BEFORE it is broadcast, and the next one is only made once it is on-chain.
///
/// Stop (graceful shutdown or `requestStop()`): what is not on-chain is flushed, then
/// the stream is ended when `endOnStop`, all within `stopTimeout`; whatever is left
/// stays in the journal and goes out at the next start. Cancelling `run()` stops at
/// once, without flushing (the journal keeps everything).
///
/// Give the publisher an `HTTPClient` of its own: segment uploads on a shared client
/// could occupy every transfer slot and delay AliveDB pushes.
public final class Publisher: Service, Sendable {
    struct AliveDBItem: Sendable {
        /// The journal's number of the segment.
        let number: Int64
        let hash: String
        let duration: Double
    }

    private struct State {
        var status = PublisherStatus()
        /// The phase (mirrored into `status.phase`) and the stop asked for.
        var lifecycle = PublisherLifecycle()
        /// The configuration's, until `setBatchInterval` changes it.
        var batchInterval: Duration = .zero
        /// The journal's number for the next stored segment (the box's own numbering:
        /// the segmenter may start again at 0 after a restart).
        var nextSegment: Int64 = 0
        /// Something was lost since the last recorded segment: mark the next one.
        var breakPending = false
        /// After a restart with AliveDB: intake waits (bounded) for `checkWhatAliveDBHolds`.
        var awaitingAliveDBCheck = false
        /// A segment of this run was numbered: the check may no longer record segments.
        var intakeStarted = false
        /// The first journal number of this run (earlier ones are a previous run's).
        var firstNumberOfThisRun: Int64 = 0
        /// Hashes the check recorded from AliveDB: a storage stage that delivers one of
        /// them again (it was stored before the crash) must not record it twice.
        var recoveredHashes: Set<String> = []
    }

    let configuration: PublishingConfiguration
    /// The highest seq this stream may use (consumers cap a stream at 17280 pushes).
    let maximumSeq: Int64
    let components: PublishingComponents
    let stream: JournalStreamKey
    let journal: JournalWorker?
    let chunkStorage: (any ChunkStorage)?
    let logger: Logger
    private let state: Mutex<State>
    let wake = WakeSignal()
    let aliveDBQueue: (stream: AsyncStream<AliveDBItem>, continuation: AsyncStream<AliveDBItem>.Continuation)
    /// Segments AliveDB took, to note in the journal off the push path (bounded; a lost
    /// note only means the segment is not known as pushed to AliveDB).
    let aliveDBNotes: (stream: AsyncStream<Int64>, continuation: AsyncStream<Int64>.Continuation)
    /// Signalled when the check after a restart is done (or given up).
    let aliveDBChecked = WakeSignal()
    /// How long intake waits for that check before it goes on without it.
    static let aliveDBCheckWait: Duration = .seconds(5)

    /// - Parameters:
    ///   - journal: required unless `network` is `none`. Read once here (the last
    ///     segment number and the next seq), then used from a thread of its own.
    ///   - chunkStorage: where chunk files are stored; required for a ledger with a
    ///     batch interval above 0.
    ///   - maximumSeq: the last seq this stream may use (lower only in tests).
    public init(
        configuration: PublishingConfiguration, secrets: PublishingSecrets, journal: Journal?, http: HTTPClient,
        chunkStorage: (any ChunkStorage)?, context: Secp256k1Context, logger: Logger = Logger(label: "alived.publish"),
        maximumSeq: Int64 = Int64(AliveOperation.maximumSeq)
    ) throws {
        self.maximumSeq = min(maximumSeq, Int64(AliveOperation.maximumSeq))
        components = try PublishingComponents(configuration: configuration, secrets: secrets, http: http, context: context, logger: logger)
        self.configuration = components.configuration
        self.logger = logger
        self.chunkStorage = chunkStorage
        stream = JournalStreamKey(network: configuration.network.rawValue, streamer: configuration.streamer, link: configuration.link)
        var initial = State()
        initial.batchInterval = configuration.batchInterval
        var unacknowledged: [JournalSegment] = []
        if configuration.network != .none {
            guard let journal else { throw PublishError(.configuration, "publishing on a ledger needs the journal") }
            if configuration.batchInterval > .zero && chunkStorage == nil {
                throw PublishError(.configuration, "a batch interval above 0 needs chunk storage")
            }
            do {
                initial.nextSegment = (try journal.newestSegments(stream, limit: 1).last?.sequence ?? -1) + 1
                initial.firstNumberOfThisRun = initial.nextSegment
                // A restart: the stream's timestamps start again (and what was in flight is lost).
                initial.breakPending = initial.nextSegment > 0
                initial.awaitingAliveDBCheck = initial.nextSegment > 0 && configuration.aliveDB != nil
                initial.status.nextSeq = try journal.nextSeq(stream)
                if let aliveDB = configuration.aliveDB {
                    unacknowledged = Array(try journal.segmentsAwaitingAliveDB(stream).suffix(aliveDB.queueCapacity))
                }
            } catch {
                throw PublishError(.journal, "reading the journal: \(error)")
            }
            self.journal = JournalWorker(journal: journal)
        } else {
            self.journal = nil
        }
        state = Mutex(initial)
        aliveDBQueue = AsyncStream.makeStream(
            of: AliveDBItem.self, bufferingPolicy: .bufferingNewest(configuration.aliveDB?.queueCapacity ?? 1))
        aliveDBNotes = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1024))
        // Segments journaled before a crash whose AliveDB push was never acknowledged go
        // again, first (AliveDB is at-least-once: an acknowledgement lost in the crash
        // means that segment is there twice).
        for segment in unacknowledged {
            aliveDBQueue.continuation.yield(AliveDBItem(number: segment.sequence, hash: segment.cid, duration: segment.duration))
        }
    }

    public var status: PublisherStatus { state.withLock { $0.status } }

    func update(_ change: (inout PublisherStatus) -> Void) {
        let (before, after) = state.withLock { state -> (PublisherStatus, PublisherStatus) in
            let before = state.status
            change(&state.status)
            return (before, state.status)
        }
        PublishMetrics.record(from: before, to: after)
    }

    /// Moves the lifecycle on (its phase into the status, metrics recorded) and returns its action.
    @discardableResult
    func transition<A: Sendable>(_ change: (inout PublisherLifecycle) -> A) -> A {
        let (action, before, after) = state.withLock { state -> (A, PublisherStatus, PublisherStatus) in
            let before = state.status
            let action = change(&state.lifecycle)
            state.status.phase = state.lifecycle.phase
            return (action, before, state.status)
        }
        PublishMetrics.record(from: before, to: after)
        return action
    }

    var isStopRequested: Bool { state.withLock { $0.lifecycle.isStopRequested } }

    /// The batch interval in force (0: every segment goes on-chain alone).
    var batchInterval: Duration { state.withLock { $0.batchInterval } }

    /// Changes the batch interval while running (the control page): the wait under way is
    /// cut short or stretched at once. 0-300 s; above 0 needs chunk storage.
    public func setBatchInterval(_ interval: Duration) throws {
        guard (Duration.zero ... .seconds(300)).contains(interval) else {
            throw PublishError(.configuration, "publishing.batch_interval_seconds: must be 0–300")
        }
        if interval > .zero && chunkStorage == nil {
            throw PublishError(.configuration, "a batch interval above 0 needs chunk storage")
        }
        let old = state.withLock { state in
            defer { state.batchInterval = interval }
            return state.batchInterval
        }
        guard old != interval else { return }
        logger.notice("batch interval changed", metadata: ["publish.batch_interval_seconds": "\(interval.components.seconds)"])
        wake.signal()
    }

    /// Whether this stop ends the stream: `endOnStop`, or `endStream()` was asked for.
    var endsStreamOnStop: Bool { configuration.endOnStop || state.withLock { $0.lifecycle.stopRequest?.endStream ?? false } }

    /// nil while running; the stop deadline once a stop was asked for.
    var stopDeadline: ContinuousClock.Instant? { state.withLock { $0.lifecycle.stopRequest?.deadline } }

    // MARK: intake

    /// A storage stage event: stored segments are published, gaps counted (and the next
    /// stored segment marked as a discontinuity).
    public func handle(_ event: StorageEvent) async {
        switch event {
        case .stored(let segment):
            await segmentStored(sequence: segment.sequence, hash: segment.object.hash, duration: segment.duration,
                                discontinuity: segment.discontinuity)
        case .gap(let sequence, let duration):
            update { $0.gaps += 1 }
            state.withLock { $0.breakPending = true }
            logger.warning("segment lost before storage: not published, the next one is marked as a discontinuity", metadata: [
                "segment.sequence": "\(sequence)", "segment.duration": "\(duration)",
            ])
        }
    }

    /// A segment was stored under `hash` (CID or skylink). `sequence` is the
    /// segmenter's and only logged: the journal numbers segments in arrival order.
    /// `discontinuity`: the segment starts after a break (an encoder reconnect).
    public func segmentStored(sequence: UInt64, hash: String, duration: Double, discontinuity: Bool = false) async {
        do {
            // The protocol's own rules for a hash and a len, before anything is accepted.
            try AliveChunk.Entry(src: hash, duration: duration).validate()
        } catch {
            update { $0.segmentsRefused += 1 }
            state.withLock { $0.breakPending = true }
            logger.error("stored segment refused: the protocol cannot carry it", metadata: [
                "segment.sequence": "\(sequence)", "publish.error": "\(error)",
            ])
            return
        }
        if state.withLock({ $0.awaitingAliveDBCheck }) {
            await aliveDBChecked.wait(timeout: Self.aliveDBCheckWait)
        }
        if state.withLock({ $0.recoveredHashes.contains(hash) }) {
            logger.notice("stored segment already recorded from AliveDB after the restart: not published again", metadata: [
                "segment.sequence": "\(sequence)", "storage.hash": "\(hash)",
            ])
            return
        }
        let number = state.withLock { state -> Int64 in
            state.status.segmentsReceived += 1
            state.awaitingAliveDBCheck = false
            state.intakeStarted = true
            defer { state.nextSegment += 1 }
            return state.nextSegment
        }
        PublishMetrics.segmentsReceived.increment()
        if configuration.aliveDB != nil {
            if case .dropped(let old) = aliveDBQueue.continuation.yield(AliveDBItem(number: number, hash: hash, duration: duration)) {
                update { $0.aliveDBDropped += 1 }
                logger.warning("alivedb queue full, oldest segment dropped from it", metadata: ["segment.number": "\(old.number)"])
            }
        }
        guard let journal, configuration.network != .none else { return }
        let stream = stream
        // Taken now (intake runs one segment at a time); if the journal fails, the next
        // segment follows a hole and takes the mark instead.
        let marked = state.withLock { state in
            defer { state.breakPending = false }
            return discontinuity || state.breakPending
        }
        do {
            try await journal.run {
                try $0.recordSegment(stream, sequence: number, cid: hash, duration: duration, discontinuity: marked,
                                     at: WallClock.nowMilliseconds())
            }
            if marked {
                update { $0.discontinuities += 1 }
                logger.notice("segment marked as a discontinuity", metadata: [
                    "segment.sequence": "\(sequence)", "segment.number": "\(number)",
                ])
            }
            wake.signal()
        } catch {
            update { $0.journalFailures += 1 }
            // Not on-chain: the next segment follows a hole.
            state.withLock { $0.breakPending = true }
            logger.error("journal could not record a stored segment: it will not go on-chain", metadata: [
                "segment.sequence": "\(sequence)", "segment.number": "\(number)", "publish.error": "\(error)",
            ])
        }
    }

    // MARK: the check after a restart (Publisher+AliveDB)

    /// Whether intake waits for the check, and the first journal number of this run.
    var aliveDBCheck: (needed: Bool, previousRunEnd: Int64) {
        state.withLock { ($0.awaitingAliveDBCheck, $0.firstNumberOfThisRun) }
    }

    /// Opens intake.
    func endAliveDBCheck() {
        state.withLock { $0.awaitingAliveDBCheck = false }
        aliveDBChecked.signal()
    }

    /// The first of `hashes.count` journal numbers for segments recorded from AliveDB,
    /// taken before any segment of this run; nil once intake has numbered one (too late
    /// to record earlier segments in order).
    func reserveNumbersBeforeIntake(_ hashes: [String]) -> Int64? {
        state.withLock { state in
            guard !state.intakeStarted else { return nil }
            state.recoveredHashes.formUnion(hashes)
            defer { state.nextSegment += Int64(hashes.count) }
            return state.nextSegment
        }
    }

    // MARK: lifecycle

    /// Asks for a graceful stop: flush, then end the stream when configured.
    public func requestStop() {
        requestStop(endingStream: false)
    }

    private func requestStop(endingStream: Bool) {
        let deadline = ContinuousClock.now + configuration.stopTimeout
        switch transition({ $0.requestStop(deadline: deadline, endStream: endingStream) }) {
        case .wake: wake.signal()
        case .none, .start, .refuseSecondRun: break
        }
    }

    /// Throws what `endStream()` refuses with: no ledger, Avalon, a publisher not publishing.
    @discardableResult
    func checkCanEnd() throws -> any Ledger {
        guard let ledger = components.ledger else {
            throw PublishError(.unsupported, "publishing.network is \"none\": there is no stream on a ledger to end")
        }
        if ledger.network == "avalon" { throw PublishError(.unsupported, "Alive Protocol has no end-of-stream operation on Avalon") }
        let phase = status.phase
        guard phase == .starting || phase == .running || phase == .stopping else {
            throw PublishError(.unsupported, "the publisher is \(phase.rawValue), not publishing: nothing to end")
        }
        return ledger
    }

    /// Asks for the end of the stream without waiting: what is not on-chain is flushed,
    /// then op 1, then `run()` returns (the stream director's end: idle, full, the page).
    public func requestEnd() {
        requestStop(endingStream: true)
    }

    /// Ends the stream now (the control page's End button): what is not on-chain yet is
    /// flushed, then op 1 is broadcast whatever `endOnStop` says, and publishing stops
    /// (segments stored later wait in the journal). Returns once op 1 is on-chain; waits
    /// at most the stop timeout (and a little more for the last confirmation).
    public func endStream() async throws -> StreamControlResult {
        let ledger = try checkCanEnd()
        requestStop(endingStream: true)
        let deadline = ContinuousClock.now + configuration.stopTimeout + .seconds(5)
        // A button press, not the media path: checking the status a few times a second is enough.
        while ContinuousClock.now < deadline {
            let current = status
            if let transactionID = current.endTransactionID {
                return StreamControlResult(network: ledger.network, transactionID: transactionID, block: current.endBlock)
            }
            if current.phase == .stopped || current.phase == .failed { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw PublishError(.timedOut, status.lastProblem.map { "the stream was not ended: \($0)" } ?? "the stream was not ended in time")
    }

    /// Runs until stopped (see the type's documentation). Throws `keyMismatch` when the
    /// ledger key is not the account's: nothing was broadcast then.
    public func run() async throws {
        switch transition({ $0.run() }) {
        case .start: break
        case .refuseSecondRun, .wake, .none: throw PublishError(.configuration, "a publisher runs once")
        }
        do {
            try await withGracefulShutdownHandler {
                try await self.runParts()
            } onGracefulShutdown: {
                self.requestStop()
            }
            transition { $0.finished(failed: false) }
        } catch is CancellationError {
            aliveDBQueue.continuation.finish()
            transition { $0.finished(failed: false) }
            throw CancellationError()
        } catch {
            aliveDBQueue.continuation.finish()
            update { $0.lastProblem = "\(error)" }
            transition { $0.finished(failed: true) }
            throw error
        }
    }

    private func runParts() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let aliveDB = components.aliveDB {
                group.addTask { await self.runAliveDBSender(aliveDB) }
                if let journal { group.addTask { await self.runAliveDBNotes(journal) } }
            } else {
                aliveDBNotes.continuation.finish()
            }
            do {
                if let ledger = components.ledger, let resolver = components.resolver, let journal {
                    try await runLedger(ledger, resolver: resolver, journal: journal)
                } else {
                    transition { $0.started() }
                    while !isStopRequested {
                        await wake.wait(timeout: nil)
                        try Task.checkCancellation()
                    }
                    transition { $0.flushing() }
                }
            } catch {
                group.cancelAll()
                throw error
            }
            // Nothing more for AliveDB: the sender drains what is queued (until the stop deadline).
            aliveDBQueue.continuation.finish()
            try await group.waitForAll()
        }
    }
}

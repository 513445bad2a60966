import AliveControl
import AliveMedia
import AliveStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Ring → storage (→ publishing): every closed segment is held in the ring and handed to the storage
/// stage at once (event-driven, nothing polls); the hold is released when the stage has
/// stored it or declared it a gap. The ring's evictions are passed on too, so the stage
/// never waits to retry a segment that is gone.
final class StorageFeed: Service, Sendable {
    private let ring: SegmentRing
    private let events: AsyncStream<SegmentEvent>
    private let stage: StorageStage
    private let backend: String
    private let outcomes: StorageOutcomes

    /// - Parameter publish: awaited for each event before the ring's hold is released, so
    ///   a segment leaves the ring only once it is stored and handed to publishing.
    init(ring: SegmentRing, uploader: StorageUploader, backend: String, logger: Logger,
         publish: (@Sendable (StorageEvent) async -> Void)? = nil) {
        self.ring = ring
        self.events = ring.subscribe()
        self.backend = backend
        let outcomes = StorageOutcomes(ring: ring)
        self.outcomes = outcomes
        self.stage = StorageStage(uploader: uploader, logger: logger) { event in
            await publish?(event)
            outcomes.handle(event)
        }
    }

    func summary() async -> StorageSummary {
        let status = await stage.status
        return StorageSummary(backend: backend, pending: status.pending, stored: status.stored, gaps: status.gaps,
                              failedAttempts: status.failedAttempts, slowerThanRealTime: status.isSlowerThanRealTime,
                              lastStored: outcomes.recent)
    }

    /// At shutdown (after the segmenter closed its last segment) uploads still queued get
    /// this long to finish before they are abandoned.
    static let drainTime: Duration = .seconds(10)

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.stage.run() }
            var submitted = 0
            for await event in events.cancelOnGracefulShutdown() {
                switch event {
                case .closed(let segment, _):
                    guard ring.hold(segment.sequence) else { continue }
                    submitted += 1
                    if let dropped = await stage.submit(RingSegment(segment, in: ring)) { ring.release(dropped) }
                case .dropped(let sequence, _):
                    // Evicted while the stage waits to retry it: no point sleeping out the back-off.
                    await stage.segmentLeftTheRing(sequence)
                }
            }
            let deadline = ContinuousClock.now + Self.drainTime
            while ContinuousClock.now < deadline {
                let status = await stage.status
                if status.stored + status.gaps >= submitted { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            group.cancelAll()
        }
    }
}

/// What the stage reports: releases the ring's hold, keeps the newest hashes for status
/// (the stage itself logs each stored segment).
private final class StorageOutcomes: Sendable {
    private let ring: SegmentRing
    private let items = Mutex<[StorageSummary.Item]>([])

    init(ring: SegmentRing) {
        self.ring = ring
    }

    var recent: [StorageSummary.Item] { items.withLock { $0 } }

    func handle(_ event: StorageEvent) {
        switch event {
        case .stored(let stored):
            ring.release(stored.sequence)
            items.withLock { items in
                items.append(StorageSummary.Item(sequence: stored.sequence, hash: stored.object.hash))
                if items.count > 5 { items.removeFirst(items.count - 5) }
            }
        case .gap(let sequence, _):
            ring.release(sequence)
        }
    }
}

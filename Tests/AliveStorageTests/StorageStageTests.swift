import AliveMedia
import Synchronization
import Testing
@testable import AliveStorage

/// Collects the stage's events for assertions, with a bounded wait.
final class EventLog: Sendable {
    private let events = Mutex<[StorageEvent]>([])
    var all: [StorageEvent] { events.withLock { $0 } }
    func append(_ event: StorageEvent) { events.withLock { $0.append(event) } }

    func waitFor(count: Int, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while all.count < count {
            guard ContinuousClock.now < deadline else { throw FrontError("only \(all.count) of \(count) events: \(all)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var sequences: [UInt64] {
        all.map {
            switch $0 {
            case .stored(let stored): return stored.sequence
            case .gap(let sequence, _): return sequence
            }
        }
    }
}

@Suite(.timeLimit(.minutes(2))) struct StorageStageTests {
    private func setUp(_ front: KuboFront, logs: LogRecorder = LogRecorder(),
                       adjust: (inout StorageConfiguration) -> Void = { _ in }) throws -> (HTTPClient, StorageStage, EventLog) {
        let client = try HTTPClient()
        var configuration = StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)]))
        configuration.uploadTimeout = .seconds(5)
        configuration.retry = RetryPolicy(initialDelay: .milliseconds(50), multiplier: 2, maxDelay: .milliseconds(200))
        adjust(&configuration)
        let uploader = try StorageUploader(configuration: configuration, client: client, logger: logs.logger())
        let events = EventLog()
        let stage = StorageStage(uploader: uploader, logger: logs.logger()) { events.append($0) }
        return (client, stage, events)
    }

    @Test func segmentsAreStoredInSequenceOrder() async throws {
        let front = try await KuboFront.start()
        let (client, stage, events) = try setUp(front)
        defer { client.shutdown(); front.stop() }
        // Segment 3 follows an encoder reconnect: its flag travels with it to publishing.
        let segments = (1...4).map {
            TestSegment(sequence: UInt64($0), duration: 2, bytes: pseudoRandomBytes(count: 300_000, seed: UInt64($0)), discontinuity: $0 == 3)
        }
        // Submitted out of order before the stage runs: stored oldest first.
        for segment in [segments[2], segments[0], segments[3], segments[1]] { await stage.submit(segment) }
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        try await events.waitFor(count: 4)
        #expect(events.sequences == [1, 2, 3, 4])
        for case .stored(let stored) in events.all {
            let segment = segments[Int(stored.sequence) - 1]
            #expect(stored.object.hash == UnixFSFileHasher().cid(of: segment.bytes).description)
            #expect(stored.attempts == 1)
            #expect(stored.realTimeFactor > 0.9)
            #expect(stored.discontinuity == (stored.sequence == 3))
        }
        let status = await stage.status
        #expect(status.stored == 4 && status.gaps == 0 && status.pending == 0 && !status.isSlowerThanRealTime)
    }

    @Test func failedUploadIsRetriedUntilStored() async throws {
        let front = try await KuboFront.start()
        let (client, stage, events) = try setUp(front)
        defer { client.shutdown(); front.stop() }
        try await front.setMode("status500", using: client)
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        await stage.submit(TestSegment(sequence: 7, duration: 2, bytes: pseudoRandomBytes(count: 1000, seed: 7)))
        await stage.submit(TestSegment(sequence: 8, duration: 2, bytes: pseudoRandomBytes(count: 1000, seed: 8)))
        let deadline = ContinuousClock.now + .seconds(10)
        while await stage.status.failedAttempts < 3 {
            #expect(ContinuousClock.now < deadline)
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(events.all.isEmpty, "nothing is reported while the oldest segment keeps failing")
        try await front.setMode("normal", using: client)
        try await events.waitFor(count: 2)
        #expect(events.sequences == [7, 8])
        guard case .stored(let first) = events.all[0] else { Issue.record("segment 7 not stored"); return }
        #expect(first.attempts >= 4)
    }

    @Test func segmentLeavingTheRingBecomesAGapAndTheNextGoesOn() async throws {
        let front = try await KuboFront.start()
        let logs = LogRecorder()
        let (client, stage, events) = try setUp(front, logs: logs)
        defer { client.shutdown(); front.stop() }
        try await front.setMode("status500", using: client)
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        let doomed = TestSegment(sequence: 20, duration: 2, bytes: pseudoRandomBytes(count: 1000, seed: 20))
        await stage.submit(doomed)
        await stage.submit(TestSegment(sequence: 21, duration: 2, bytes: pseudoRandomBytes(count: 1000, seed: 21)))
        while await stage.status.failedAttempts < 1 { try await Task.sleep(for: .milliseconds(10)) }
        doomed.evict()
        try await front.setMode("normal", using: client)
        try await events.waitFor(count: 2)
        #expect(events.all.first == .gap(sequence: 20, duration: 2))
        #expect(events.sequences == [20, 21])
        #expect(await stage.status.gaps == 1)
        #expect(logs.all.contains { $0.level == .error && $0.message.contains("lost") && $0.metadata.contains("segment.sequence=20") })
    }

    /// A real ring, fed as `alived run` feeds the stage: the failing segment is not leased
    /// while the stage waits out its back-off, so the ring evicts it (not the newer one
    /// behind it), and the stage reports the gap at once instead of after the wait.
    @Test func failedSegmentEvictedDuringTheBackOffIsAGapAtOnce() async throws {
        let front = try await KuboFront.start()
        let (client, stage, events) = try setUp(front) {
            $0.retry = RetryPolicy(initialDelay: .seconds(8), multiplier: 1, maxDelay: .seconds(8))
        }
        defer { client.shutdown(); front.stop() }
        // 16 pages of 4 KiB: two 30 kB segments fit, a third evicts the oldest without a lease.
        let ring = SegmentRing(configuration: .init(budgetBytes: 64 << 10, pageSize: 4096, playlistWindow: 1))
        let drops = Mutex<[UInt64]>([])
        let feed = Task {
            for await event in ring.subscribe() {
                guard case .dropped(let sequence, _) = event else { continue }
                drops.withLock { $0.append(sequence) }
                await stage.segmentLeftTheRing(sequence)
            }
        }
        defer { feed.cancel() }
        func add(_ fill: UInt8) async throws {
            let writer = ring.openWriter()
            [UInt8](repeating: fill, count: 30_000).withUnsafeBytes { writer.append($0) }
            let segment = try #require(writer.close(SegmentDescription(durationMilliseconds: 2000, startMilliseconds: 0,
                                                                       discontinuity: false, hasVideo: true, hasAudio: true)))
            #expect(ring.hold(segment.sequence))
            await stage.submit(RingSegment(segment, in: ring))
        }
        try await front.setMode("status500", using: client)
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        try await add(0)
        while await stage.status.failedAttempts < 1 { try await Task.sleep(for: .milliseconds(10)) }
        try await front.setMode("normal", using: client)
        try await add(1)
        let evicting = ContinuousClock.now
        try await add(2)
        try await events.waitFor(count: 1)
        #expect(ContinuousClock.now - evicting < .seconds(3), "the gap comes at once, not after the 4–8 s back-off")
        #expect(drops.withLock { $0 } == [0], "the segment waiting to be retried is the one evicted")
        try await events.waitFor(count: 3)
        #expect(events.all.first == .gap(sequence: 0, duration: 2))
        #expect(events.sequences == [0, 1, 2])
        #expect(await stage.status.failedAttempts == 1)
    }

    @Test func fullQueueDropsTheOldestWaitingSegmentAsAGap() async throws {
        let front = try await KuboFront.start()
        let (client, stage, events) = try setUp(front) { $0.maxPendingSegments = 2 }
        defer { client.shutdown(); front.stop() }
        for sequence in UInt64(1)...4 {
            await stage.submit(TestSegment(sequence: sequence, duration: 2, bytes: pseudoRandomBytes(count: 100, seed: sequence)))
        }
        #expect(await stage.status.pending == 2)
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        try await events.waitFor(count: 4)
        #expect(events.all[0] == .gap(sequence: 1, duration: 2))
        #expect(events.all[1] == .gap(sequence: 2, duration: 2))
        #expect(events.sequences == [1, 2, 3, 4])
    }

    @Test func slowEndpointRaisesTheRealTimeWarning() async throws {
        let front = try await KuboFront.start()
        let logs = LogRecorder()
        let (client, stage, events) = try setUp(front, logs: logs)
        defer { client.shutdown(); front.stop() }
        let runner = Task { await stage.run() }
        defer { runner.cancel() }
        try await front.setMode("slow", delay: 0.5, using: client)
        // 0.2 s of media uploaded in ≥ 0.5 s: below 0.9× real time.
        await stage.submit(TestSegment(sequence: 1, duration: 0.2, bytes: pseudoRandomBytes(count: 10_000, seed: 1)))
        try await events.waitFor(count: 1)
        var status = await stage.status
        #expect(status.isSlowerThanRealTime)
        #expect(status.slowUploads == 1)
        #expect((status.lastRealTimeFactor ?? 1) < 0.5)
        #expect(logs.all.contains { $0.level == .warning && $0.message.contains("slower than real time") })

        // A fast upload clears the flag (the counter stays).
        try await front.setMode("normal", using: client)
        await stage.submit(TestSegment(sequence: 2, duration: 4, bytes: pseudoRandomBytes(count: 10_000, seed: 2)))
        try await events.waitFor(count: 2)
        status = await stage.status
        #expect(!status.isSlowerThanRealTime)
        #expect(status.slowUploads == 1)
    }

    @Test func cancellingRunStopsPromptly() async throws {
        let front = try await KuboFront.start()
        let (client, stage, _) = try setUp(front) { $0.uploadTimeout = .seconds(30) }
        defer { client.shutdown(); front.stop() }
        try await front.setMode("hang", using: client)
        await stage.submit(TestSegment(sequence: 1, duration: 2, bytes: pseudoRandomBytes(count: 100, seed: 1)))
        let runner = Task { await stage.run() }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        runner.cancel()
        await runner.value
        // The hanging upload would otherwise run to its 30 s time-out and then retry.
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(await stage.status.pending == 1, "the unfinished segment is kept, not lost")
    }
}

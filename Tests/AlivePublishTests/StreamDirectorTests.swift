import AliveJournal
import AliveLedger
import AliveTestSupport
import Foundation
import Logging
import Synchronization
import Testing
@testable import AlivePublish

/// Streams as a venue runs them (one link per event), against the ledger doubles:
/// opened when segments come, configured once, continued across restarts within the idle
/// time, ended when idle, from the page, or before the seqs run out; never pushed to once ended.
@Suite(.serialized, .timeLimit(.minutes(3))) struct StreamDirectorTests {
    /// Whether "an encoder" delivers media, set by the test.
    final class Encoder: Sendable {
        private let present = Atomic<Bool>(true)
        var isPresent: Bool { present.load(ordering: .relaxed) }
        func set(_ value: Bool) { present.store(value, ordering: .relaxed) }
    }

    /// A director run in a task of its own, with the encoder's presence under the test's control.
    final class Running: Sendable {
        let director: StreamDirector
        let encoder = Encoder()
        let task: Task<Void, any Error>

        init(_ fixture: PublishFixture, _ configuration: PublishingConfiguration, maximumSeq: Int64 = Int64(AliveOperation.maximumSeq)) throws {
            let encoder = self.encoder
            director = try StreamDirector(
                configuration: configuration, secrets: try fixture.secrets, journal: fixture.journal, http: fixture.http,
                chunkStorage: nil, context: fixture.context, logger: Logger(label: "test.streams"),
                mediaActive: { encoder.isPresent }, maximumSeq: maximumSeq)
            task = Task { [director] in try await director.run() }
        }

        func push(_ numbers: Range<Int>) async {
            for n in numbers { await director.segmentStored(sequence: UInt64(n), hash: fakeCID(n), duration: 2) }
        }

        func stop() async throws {
            director.requestStop()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.task.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(60))
                    throw TestFailure("the director did not stop within 60 s")
                }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func configuration(_ fixture: PublishFixture, link: String = "event", idle: Duration = .seconds(10)) -> PublishingConfiguration {
        var configuration = fixture.configuration(link: link, aliveDB: false)
        configuration.configureOnStart = true
        configuration.endOnStop = false
        configuration.idleEnd = idle
        return configuration
    }

    private func ops(_ fixture: PublishFixture, _ link: String) async throws -> [Int] {
        try await fixture.doubles.state().aliveOps(link: link).map(\.op)
    }

    @Test func aStreamIsOpenedConfiguredOnceAndEndedFromThePageThenTheNextEventGetsTheNextLink() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let running = try Running(fixture, configuration(fixture))
        await running.push(0..<3)
        _ = try await fixture.doubles.waitFor("3 pushes of the first event") { $0.pushSeqs(link: "event").count == 3 }
        #expect(running.director.openStream?.link == "event")

        let ended = try await running.director.endStream()
        #expect(ended.network == "hive")
        #expect(try await ops(fixture, "event") == [2, 0, 0, 0, 1], "op 2 once, the pushes, then op 1")
        #expect(running.director.openStream == nil)
        // The encoder still sends: an end from the page is not undone by it.
        await running.push(3..<4)
        #expect(running.director.unpublishedSegments == 1)
        #expect(running.director.openStream == nil)

        // The encoder goes and comes back: the next event.
        running.encoder.set(false)
        try await Task.sleep(for: .milliseconds(1500))
        running.encoder.set(true)
        await running.push(4..<6)
        _ = try await fixture.doubles.waitFor("2 pushes of the second event") { $0.pushSeqs(link: "event-2").count == 2 }
        #expect(running.director.openStream?.link == "event-2")
        #expect(try await ops(fixture, "event-2") == [2, 0, 0])
        #expect(try await fixture.doubles.state().pushSeqs(link: "event-2") == [0, 1], "a new link starts at seq 0")
        #expect(try await ops(fixture, "event") == [2, 0, 0, 0, 1], "nothing more on the ended link")
        let past = running.director.pastStreams
        #expect(past.map(\.link) == ["event"])
        #expect(past.first?.endTransactionID == ended.transactionID && past.first?.firstSeq == 0 && past.first?.lastSeq == 2)
        #expect(past.first?.segments == 3)
        try await running.stop()
        #expect(try await ops(fixture, "event-2") == [2, 0, 0], "a stop without end_on_stop leaves the event open")
        #expect(try fixture.journal.integrityProblems() == [])
    }

    @Test func aRestartWithinTheIdleTimeContinuesTheStreamAndIdleEndsIt() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let config = configuration(fixture, link: "gig-{n}")
        let first = try Running(fixture, config)
        await first.push(0..<2)
        _ = try await fixture.doubles.waitFor("2 pushes") { $0.pushSeqs(link: "gig-1").count == 2 }
        try await first.stop()

        // The box comes back: the same stream, no second op 2, seq goes on.
        let second = try Running(fixture, config)
        await second.push(0..<2)
        _ = try await fixture.doubles.waitFor("4 pushes") { $0.pushSeqs(link: "gig-1").count == 4 }
        #expect(try await ops(fixture, "gig-1") == [2, 0, 0, 0, 0])
        #expect(try await fixture.doubles.state().pushSeqs(link: "gig-1") == [0, 1, 2, 3])
        #expect(second.director.openStream?.link == "gig-1")
        // The journal's count (both runs), read again every second.
        let counted = ContinuousClock.now + .seconds(5)
        while second.director.openStream?.segments != 4, ContinuousClock.now < counted { try await Task.sleep(for: .milliseconds(100)) }
        #expect(second.director.openStream?.segments == 4)

        // The encoder goes away for longer than the idle time: the stream is ended.
        second.encoder.set(false)
        _ = try await fixture.doubles.waitFor("op 1 after the idle time", timeout: .seconds(40)) {
            $0.aliveOps(link: "gig-1").last?.op == 1
        }
        #expect(second.director.openStream == nil)
        // A new encoder session opens the next event.
        second.encoder.set(true)
        await second.push(10..<11)
        _ = try await fixture.doubles.waitFor("the next event's push") { $0.pushSeqs(link: "gig-2") == [0] }
        #expect(try await ops(fixture, "gig-1") == [2, 0, 0, 0, 0, 1])
        try await second.stop()
    }

    @Test func aStreamLeftIdleTooLongIsEndedAtStartAndNeverPushedToAgain() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let config = configuration(fixture, link: "show")
        // A stream the box left open an hour ago (its encoder went away, then the power).
        let old = JournalStreamKey(network: "hive", streamer: "alice", link: "show")
        let anHourAgo = WallClock.nowMilliseconds() - 3_600_000
        try fixture.journal.openStream(old, template: "show", number: 1, at: anHourAgo)
        try fixture.journal.recordSegment(old, sequence: 0, cid: fakeCID(0), duration: 2)

        let running = try Running(fixture, config)
        _ = try await fixture.doubles.waitFor("the idle stream flushed and ended") { $0.aliveOps(link: "show").last?.op == 1 }
        #expect(try await ops(fixture, "show") == [2, 0, 1], "what it held is flushed (configured first), then it is ended")
        await running.push(1..<2)
        _ = try await fixture.doubles.waitFor("the next stream's push") { $0.pushSeqs(link: "show-2") == [0] }
        #expect(try await ops(fixture, "show") == [2, 0, 1], "nothing more on the ended link")
        #expect(try fixture.journal.streamRecord(old)?.isEnded == true)
        try await running.stop()
    }

    @Test func aStreamIsEndedAndRolledOverBeforeItRunsOutOfSeqs() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        // Seqs 0…40, 32 kept for the flush: the stream rolls over once its next seq passes 8.
        let running = try Running(fixture, configuration(fixture, link: "long"), maximumSeq: 40)
        await running.push(0..<9)
        _ = try await fixture.doubles.waitFor("the first link ended") { $0.aliveOps(link: "long").last?.op == 1 }
        await running.push(9..<12)
        _ = try await fixture.doubles.waitFor("the rest on the next link") { $0.pushSeqs(link: "long-2").count == 3 }
        let state = try await fixture.doubles.state()
        #expect(state.pushSeqs(link: "long") == Array(0..<9))
        #expect(state.aliveOps(link: "long").compactMap(\.src) == (0..<9).map { fakeCID($0) })
        #expect(state.aliveOps(link: "long-2").map(\.op) == [2, 0, 0, 0])
        try await running.stop()
    }
}

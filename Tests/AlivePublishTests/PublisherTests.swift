import AliveJournal
import AliveLedger
import AliveStorage
import AliveTestSupport
import Foundation
import Testing
@testable import AlivePublish

/// The publisher against the ledger doubles (signatures checked by hive-nectar /
/// coincurve, Hive's duplicate / TaPoS / expiration rules enforced there).
@Suite(.serialized, .timeLimit(.minutes(3))) struct PublisherTests {
    @Test func wrongPostingKeyIsAStartUpErrorAndNothingIsBroadcast() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        var configuration = fixture.configuration(link: "wrongkey")
        configuration.configureOnStart = true
        let secrets = PublishingSecrets(postingKey: try PrivateKey(hiveWIF: TestKeys.wrongWIF))
        let running = RunningPublisher(try fixture.publisher(configuration, secrets: secrets))
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)

        let error = await #expect(throws: PublishError.self) { try await running.finished(timeout: .seconds(20)) }
        #expect(error?.kind == .keyMismatch)
        #expect(error?.detail.contains(TestKeys.wrongPublic) == true, "the error names the derived key: \(String(describing: error))")
        #expect(error?.detail.contains("alice") == true)
        #expect(running.publisher.status.phase == .failed)

        let state = try await fixture.doubles.state()
        #expect(state.totalBroadcastCalls == 0, "nothing may be broadcast with a wrong key")
        #expect(state.alivedb.items.isEmpty && state.alivedb.signins == 0, "nothing signed with a wrong key reaches AliveDB")
    }

    @Test func eachSegmentGoesOnChainAloneExactlyOnceThenTheStreamEnds() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "alone"
        let running = RunningPublisher(try fixture.publisher(fixture.configuration(link: link)))
        let durations = [2.0, 2.5, 1.96, 2.004, 3.1234]
        for (index, duration) in durations.enumerated() {
            await running.publisher.segmentStored(sequence: UInt64(100 + index), hash: fakeCID(index), duration: duration)
        }
        try await running.waitFor("5 pushes on-chain") { $0.pushesConfirmed == 5 }
        let status = try await running.stop()
        #expect(status.streamEnded)
        #expect(status.aliveDBPushed == 5)

        let state = try await fixture.doubles.state()
        let ops = state.aliveOps(link: link)
        #expect(ops.map(\.op) == [0, 0, 0, 0, 0, 1], "five pushes, then the end")
        #expect(state.pushSeqs(link: link) == [0, 1, 2, 3, 4])
        #expect(ops.prefix(5).map(\.src) == (0..<5).map { fakeCID($0) })
        #expect(ops.prefix(5).map(\.len) == [2, 2.5, 1.96, 2.004, 3.123], "len rounded to 3 decimals")
        #expect(state.alivedb.items.map(\.src) == (0..<5).map { fakeCID($0) })
        #expect(state.alivedb.signins == 1)
        #expect(state.hive.refusals.isEmpty, "\(state.hive.refusals)")

        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        #expect(try fixture.journal.integrityProblems() == [])
        #expect(try fixture.journal.pushes(stream).map(\.state) == Array(repeating: .confirmed, count: 5))
        #expect(try fixture.journal.segmentsAwaitingAliveDB(stream).isEmpty)
    }

    @Test func refusedEventsNeverReachTheJournal() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let running = RunningPublisher(try fixture.publisher(fixture.configuration(link: "refused", aliveDB: false)))
        await running.publisher.segmentStored(sequence: 0, hash: "not a cid!", duration: 2)
        await running.publisher.segmentStored(sequence: 1, hash: fakeCID(1), duration: 100)
        await running.publisher.segmentStored(sequence: 2, hash: fakeCID(2), duration: .nan)
        await running.publisher.segmentStored(sequence: 3, hash: fakeCID(3), duration: 2)
        try await running.waitFor("the good one on-chain") { $0.pushesConfirmed == 1 }
        let status = try await running.stop()
        #expect(status.segmentsRefused == 3 && status.segmentsReceived == 1)
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: "refused")
        #expect(try fixture.journal.segments(stream).map(\.cid) == [fakeCID(3)])
    }

    @Test func nodeDownThenTheNextNodeIsUsed() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        // First node: a port nobody listens on; second: the double.
        let closed = try closedLoopbackPort()
        let configuration = fixture.configuration(
            link: "failover", aliveDB: false, hiveNodes: ["http://127.0.0.1:\(closed)"] + fixture.doubles.hiveURLs)
        let running = RunningPublisher(try fixture.publisher(configuration))
        for index in 0..<3 {
            await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2)
        }
        try await running.waitFor("3 pushes") { $0.pushesConfirmed == 3 }
        // The first double node now times out: the second one takes over.
        try await fixture.doubles.setMode("hive0", "hang")
        await running.publisher.segmentStored(sequence: 3, hash: fakeCID(3), duration: 2)
        try await running.waitFor("4 pushes") { $0.pushesConfirmed == 4 }
        try await running.stop()
        let state = try await fixture.doubles.state()
        #expect(state.pushSeqs(link: "failover") == [0, 1, 2, 3])
        #expect((state.hive.broadcastCalls["hive1"] ?? 0) >= 1)
    }

    @Test(arguments: ["accept500", "accepthang", "flap"])
    func answerLostAfterAcceptingNeverDuplicatesASeq(mode: String) async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "lost\(mode)"
        // Only the first node fails, and only on broadcast: it takes the transaction
        // into the chain, then answers 500 / never answers / drops every other call.
        try await fixture.doubles.setMode("hive0", mode, only: ["condenser_api.broadcast_transaction"])
        var configuration = fixture.configuration(link: link, aliveDB: false)
        configuration.nodeCooldown = .zero  // keep going back to the faulty node first
        // Still unexpired when the time-out (2 s wall = 60 chain seconds) sends it to the next node.
        configuration.hive.transactionExpiration = .seconds(600)
        let running = RunningPublisher(try fixture.publisher(configuration))
        for index in 0..<6 {
            await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2)
        }
        try await running.waitFor("6 pushes", timeout: .seconds(60)) { $0.pushesConfirmed == 6 }
        try await running.stop()

        let state = try await fixture.doubles.state()
        #expect(state.pushSeqs(link: link) == [0, 1, 2, 3, 4, 5], "each seq once, in order")
        #expect(state.aliveOps(link: link).compactMap(\.src) == (0..<6).map { fakeCID($0) }, "each segment once")
        if mode != "flap" {
            #expect(state.hive.refusals.contains { $0.message.contains("Duplicate transaction") },
                    "the retry met the node's duplicate check (counted as accepted)")
        }
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        #expect(try fixture.journal.pushes(stream).allSatisfy { $0.signings == 1 }, "nothing re-signed: the first signing landed")
    }

    @Test func lostTransactionIsResignedWithTheSameSeqOnceItExpired() async throws {
        let fixture = try await PublishFixture.start(hiveNodes: 1)
        defer { fixture.close() }
        let link = "expiry"
        // The node answers "accepted" but drops the transaction: it never lands.
        try await fixture.doubles.setMode("hive0", "blackhole", only: ["condenser_api.broadcast_transaction"])
        var configuration = fixture.configuration(link: link, aliveDB: false)
        configuration.hive.transactionExpiration = .seconds(30)  // 10 blocks: 1 s here
        let running = RunningPublisher(try fixture.publisher(configuration))
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        let first = try #require(try await waitForPush(fixture.journal, stream, seq: 0))
        try await Task.sleep(for: .milliseconds(300))
        #expect(running.publisher.status.pushesConfirmed == 0)
        // A second segment must not go out while seq 0 is unresolved.
        await running.publisher.segmentStored(sequence: 1, hash: fakeCID(1), duration: 2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try fixture.journal.pushes(stream).count == 1, "no seq 1 while seq 0 is unresolved")
        // Only once the chain is past it for good is it signed again (same seq).
        try await running.waitFor("seq 0 re-signed", timeout: .seconds(30)) { $0.resigned >= 1 }
        #expect(try fixture.journal.pushes(stream).count == 1, "still no seq 1")

        try await fixture.doubles.setMode("hive0", "normal")
        try await running.waitFor("both on-chain", timeout: .seconds(30)) { $0.pushesConfirmed == 2 }
        try await running.stop()

        let pushes = try fixture.journal.pushes(stream)
        #expect(pushes[0].signings >= 2, "seq 0 was signed again")
        #expect(pushes[0].transaction.transactionID != first.transaction.transactionID)
        #expect(try fixture.journal.supersededTransactionIDs(stream, seq: 0).first == first.transaction.transactionID)
        #expect(running.publisher.status.resigned >= 1)
        let state = try await fixture.doubles.state()
        #expect(state.pushSeqs(link: link) == [0, 1])
        #expect(!state.hive.acceptedOps.contains { $0.txid == first.transaction.transactionID }, "the lost one never landed")
    }

    @Test func indexerAheadOfTheJournalRaisesTheNextSeq() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "resume"
        // A first box (journal A) configures the stream (HAlive knows no link without its
        // op 2, and answers "Stream does not exist") and publishes seqs 0…2, then its journal is lost.
        var first = fixture.configuration(link: link, aliveDB: false)
        first.configureOnStart = true
        let running = RunningPublisher(try fixture.publisher(first))
        for index in 0..<3 {
            await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2)
        }
        try await running.waitFor("3 pushes") { $0.pushesConfirmed == 3 }
        var configuration = fixture.configuration(link: link, aliveDB: false)
        configuration.endOnStop = false
        try await running.stop()

        // A new journal, with the indexer configured: the next push must be seq 3.
        let other = try Journal(path: fixture.directory.appendingPathComponent("journal-b.sqlite").path)
        defer { try? other.close() }
        configuration.indexerURL = fixture.doubles.indexerURL
        let second = RunningPublisher(try Publisher(
            configuration: configuration, secrets: fixture.secrets, journal: other, http: fixture.http, chunkStorage: nil,
            context: fixture.context))
        await second.publisher.segmentStored(sequence: 0, hash: fakeCID(10), duration: 2)
        try await second.waitFor("1 push") { $0.pushesConfirmed == 1 }
        try await second.stop()
        let state = try await fixture.doubles.state()
        #expect(state.pushSeqs(link: link) == [0, 1, 2, 3])
        #expect(try other.integrityProblems() == [], "the skipped range is recorded as such")
    }

    @Test func aliveDBTokenRefusedMeansSignInAgain() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let running = RunningPublisher(try fixture.publisher(fixture.configuration(network: .none, link: "token")))
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)
        try await running.waitFor("first AliveDB push") { $0.aliveDBPushed == 1 }
        try await fixture.doubles.revokeTokens()
        await running.publisher.segmentStored(sequence: 1, hash: fakeCID(1), duration: 2)
        try await running.waitFor("second AliveDB push") { $0.aliveDBPushed == 2 }
        try await running.stop()
        let state = try await fixture.doubles.state()
        #expect(state.alivedb.items.map(\.src) == [fakeCID(0), fakeCID(1)])
        #expect(state.alivedb.signins == 2)
        #expect(state.alivedb.refusals.contains("pushStream: invalid access token"))
        #expect(state.totalBroadcastCalls == 0, "network none: nothing on a ledger")
    }

    @Test func avalonPlaylistIsCreatedThenFilledExactlyOnce() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "avalonstream"
        var configuration = fixture.configuration(network: .avalon, link: link, aliveDB: false)
        configuration.gateway = "https://gw.example"
        let running = RunningPublisher(try fixture.publisher(configuration))
        for index in 0..<4 {
            await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2.5)
        }
        try await running.waitFor("4 pushes") { $0.pushesConfirmed == 4 }
        let status = try await running.stop()
        #expect(!status.streamEnded, "Avalon has no end operation")
        let state = try await fixture.doubles.state()
        #expect(state.avalon.ops.map(\.type) == [25, 26, 26, 26, 26])
        let playlist = try #require(state.avalon.playlists["alice/\(link)"]).playlist
        #expect(playlist == Dictionary(uniqueKeysWithValues: (0..<4).map { ("\($0)", "\(fakeCID($0)),2.5") }))
        #expect(state.avalon.refusals.isEmpty, "\(state.avalon.refusals)")
    }

    @Test func batchesBecomeChunksStoredInKuboAndAStopFlushesBeforeTheEnd() async throws {
        let fixture = try await PublishFixture.start()
        let (kubo, kuboURL, uploader) = try await kuboChunkStorage(fixture)
        defer {
            fixture.close()
            kubo.stop()
        }
        let link = "batches"
        let running = RunningPublisher(try fixture.publisher(
            fixture.configuration(link: link, batchInterval: .seconds(1), aliveDB: false), chunkStorage: uploader))
        // Three segments within the first interval: one chunk.
        for index in 0..<3 {
            await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2.5)
        }
        try await running.waitFor("the chunk on-chain") { $0.pushesConfirmed == 1 }
        // One segment in the next interval: a single segment with its len.
        await running.publisher.segmentStored(sequence: 3, hash: fakeCID(3), duration: 2.25)
        try await running.waitFor("the single on-chain") { $0.pushesConfirmed == 2 }
        // Two more, then stop at once: flushed as a chunk before the end.
        await running.publisher.segmentStored(sequence: 4, hash: fakeCID(4), duration: 2)
        await running.publisher.segmentStored(sequence: 5, hash: fakeCID(5), duration: 2)
        let status = try await running.stop()
        #expect(status.pushesConfirmed == 3 && status.streamEnded)

        let ops = try await fixture.doubles.state().aliveOps(link: link)
        #expect(ops.map(\.op) == [0, 0, 0, 1])
        #expect(ops.map(\.seq) == [0, 1, 2, nil])
        #expect(ops[0].len == nil && ops[1].len == 2.25 && ops[1].src == fakeCID(3) && ops[2].len == nil)
        for (op, expected) in [(ops[0], "\(fakeCID(0)),2.5\n\(fakeCID(1)),2.5\n\(fakeCID(2)),2.5"),
                               (ops[2], "\(fakeCID(4)),2\n\(fakeCID(5)),2")] {
            let chunk = try await fixture.http.send(.get("\(kuboURL)/ipfs/\(try #require(op.src))"))
            #expect(chunk.status == 200 && String(decoding: chunk.body, as: UTF8.self) == expected)
        }
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        #expect(try fixture.journal.integrityProblems() == [])
        let firstChunk = try #require(ops[0].src)
        let lastChunk = try #require(ops[2].src)
        let expected: [JournalPushContent] = [
            .chunk(cid: firstChunk, byteCount: 152, segments: [0, 1, 2]),  // 3 lines of 50 bytes, 2 newlines
            .segment(sequence: 3),
            .chunk(cid: lastChunk, byteCount: 97, segments: [4, 5]),  // 2 lines of 48 bytes, 1 newline
        ]
        #expect(try fixture.journal.pushes(stream).map(\.content) == expected)
    }

    @Test func theFirstSegmentAfterABreakIsMarkedInChunksAndInSinglePushes() async throws {
        let fixture = try await PublishFixture.start()
        let (kubo, kuboURL, uploader) = try await kuboChunkStorage(fixture)
        defer {
            fixture.close()
            kubo.stop()
        }
        let link = "breaks"
        let running = RunningPublisher(try fixture.publisher(
            fixture.configuration(link: link, batchInterval: .seconds(1), aliveDB: false), chunkStorage: uploader))
        // One interval: two segments, one lost before it was stored, then the next one.
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)
        await running.publisher.segmentStored(sequence: 1, hash: fakeCID(1), duration: 2)
        await running.publisher.handle(.gap(sequence: 2, duration: 2))
        await running.publisher.segmentStored(sequence: 3, hash: fakeCID(3), duration: 2)
        try await running.waitFor("the chunk on-chain") { $0.pushesConfirmed == 1 }
        // An encoder reconnect (the segment's own flag), alone in its interval; then a plain one.
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(4), duration: 2.5, discontinuity: true)
        try await running.waitFor("the marked single on-chain") { $0.pushesConfirmed == 2 }
        await running.publisher.segmentStored(sequence: 1, hash: fakeCID(5), duration: 2.5)
        try await running.waitFor("the plain single on-chain") { $0.pushesConfirmed == 3 }
        let status = try await running.stop()
        #expect(status.discontinuities == 2 && status.gaps == 1 && status.segmentsReceived == 5)

        let state = try await fixture.doubles.state()
        #expect(state.hive.refusals.isEmpty, "\(state.hive.refusals)")
        let ops = state.aliveOps(link: link)
        #expect(ops.map(\.op) == [0, 0, 0, 1])
        #expect(ops.map(\.seq) == [0, 1, 2, nil])
        let chunk = try await fixture.http.send(.get("\(kuboURL)/ipfs/\(try #require(ops[0].src))"))
        #expect(String(decoding: chunk.body, as: UTF8.self) == "\(fakeCID(0)),2,\n\(fakeCID(1)),2,\n\(fakeCID(3)),2,d",
                "the line after the gap carries the mark, and every line of the chunk has three fields (one CSV)")
        #expect(ops[0].disc == nil)
        #expect(ops[1].src == fakeCID(4) && ops[1].len == 2.5 && ops[1].disc == 1)
        #expect(ops[2].src == fakeCID(5) && ops[2].len == 2.5 && ops[2].disc == nil)
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        #expect(try fixture.journal.segments(stream).map(\.discontinuity) == [false, false, true, true, false])
        #expect(try fixture.journal.integrityProblems() == [])
    }

    @Test func aRestartMarksTheFirstSegmentAfterIt() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "restarted"
        var configuration = fixture.configuration(link: link, aliveDB: false)
        configuration.endOnStop = false
        let first = RunningPublisher(try fixture.publisher(configuration))
        await first.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)
        try await first.waitFor("the first push on-chain") { $0.pushesConfirmed == 1 }
        #expect(try await first.stop().discontinuities == 0, "the very first segment of a stream follows nothing")

        // The same journal, a new process: the segmenter starts again at 0.
        let second = RunningPublisher(try fixture.publisher(configuration))
        await second.publisher.segmentStored(sequence: 0, hash: fakeCID(1), duration: 2)
        await second.publisher.segmentStored(sequence: 1, hash: fakeCID(2), duration: 2)
        try await second.waitFor("both pushes on-chain") { $0.pushesConfirmed == 2 }
        #expect(try await second.stop().discontinuities == 1)

        let ops = try await fixture.doubles.state().aliveOps(link: link)
        #expect(ops.map(\.seq) == [0, 1, 2])
        #expect(ops.map(\.disc) == [nil, 1, nil])
    }

    /// The two ways a crash leaves AliveDB and the journal apart, each set up for real:
    /// a segment AliveDB took that the journal never recorded (pushed by a publisher with
    /// no ledger, which journals nothing), and a recorded segment whose acknowledgement was
    /// never noted. After the restart the first is recorded in its place and goes on-chain,
    /// the second is not pushed to AliveDB again.
    @Test func afterARestartAliveDBIsAskedWhatItHolds() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let link = "held"
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
        var configuration = fixture.configuration(link: link)
        configuration.endOnStop = false
        let aliveDBOnly = fixture.configuration(network: .none, link: link)
        func run(_ configuration: PublishingConfiguration, _ hashes: [Int], until: @escaping (PublisherStatus) -> Bool) async throws -> PublisherStatus {
            let running = RunningPublisher(try fixture.publisher(configuration))
            for index in hashes {
                await running.publisher.segmentStored(sequence: UInt64(index), hash: fakeCID(index), duration: 2)
            }
            try await running.waitFor("the pushes", until)
            return try await running.stop()
        }

        _ = try await run(configuration, [0, 1]) { $0.pushesConfirmed == 2 && $0.aliveDBPushed == 2 }
        // Crash between the AliveDB push and the journal: AliveDB has 2, the journal not.
        _ = try await run(aliveDBOnly, [2]) { $0.aliveDBPushed == 1 }
        // 2 delivered again (a storage stage that had it stored before the crash), then 3.
        let recovered = try await run(configuration, [2, 3]) { $0.pushesConfirmed == 2 && $0.aliveDBPushed == 1 }
        #expect(recovered.aliveDBRecovered == 1 && recovered.aliveDBAlreadyHeld == 0)
        #expect(recovered.segmentsReceived == 1, "2 is not taken twice")
        #expect(try fixture.journal.segments(stream).map(\.cid) == (0...3).map { fakeCID($0) }, "2 recorded in its place")
        #expect(try fixture.journal.segments(stream).map(\.discontinuity) == [false, false, false, true],
                "2 continues the run before the crash; 3 starts the new one")

        // Crash between the AliveDB push and its note: the journal has 4 unacknowledged.
        try fixture.journal.recordSegment(stream, sequence: 4, cid: fakeCID(4), duration: 2)
        _ = try await run(aliveDBOnly, [4]) { $0.aliveDBPushed == 1 }
        let held = try await run(configuration, [5]) { $0.pushesConfirmed == 2 && $0.aliveDBPushed == 1 }
        #expect(held.aliveDBAlreadyHeld == 1 && held.aliveDBRecovered == 0)

        let state = try await fixture.doubles.state()
        #expect(state.alivedb.items.map(\.src) == (0...5).map { fakeCID($0) }, "each segment on AliveDB once, in order")
        #expect(state.alivedb.lookups == 2, "asked at each restart of a journaled stream, not at the first start")
        let ops = state.aliveOps(link: link)
        #expect(ops.map(\.seq) == Array(0...5))
        #expect(ops.map(\.src) == (0...5).map { fakeCID($0) }, "every segment that reached AliveDB on-chain once")
        #expect(try fixture.journal.segmentsAwaitingAliveDB(stream).isEmpty)
        #expect(try fixture.journal.integrityProblems() == [])
    }

    @Test(arguments: [PublishingConfiguration.Network.hive, .none])
    func cancellingRunStopsAtOnceAndTheJournalKeepsTheRest(network: PublishingConfiguration.Network) async throws {
        let fixture = try await PublishFixture.start()
        let kubo = try await SupportScript.start(script: "kubo_front.py", arguments: ["--no-kubo"])
        defer {
            fixture.close()
            kubo.stop()
        }
        let uploader = try StorageUploader(
            configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: "http://127.0.0.1:\(kubo.payload)")])),
            client: fixture.http)
        let link = "cancel\(network.rawValue)"
        let running = RunningPublisher(try fixture.publisher(
            fixture.configuration(network: network, link: link, batchInterval: .seconds(300)), chunkStorage: uploader))
        await running.publisher.segmentStored(sequence: 0, hash: fakeCID(0), duration: 2)
        try await running.waitFor("the AliveDB push") { $0.aliveDBPushed == 1 }
        running.task.cancel()
        await #expect(throws: CancellationError.self, "a cancelled publisher returns at once") {
            try await running.finished(timeout: .seconds(3))
        }
        #expect(running.publisher.status.phase == .stopped)
        let state = try await fixture.doubles.state()
        #expect(state.aliveOps(link: link).isEmpty, "no flush, no end on cancellation")
        if network == .hive {
            let stream = JournalStreamKey(network: "hive", streamer: "alice", link: link)
            #expect(try fixture.journal.segmentsAwaitingLedger(stream).map(\.cid) == [fakeCID(0)], "kept for the next start")
        }
    }

    // MARK: helpers

    /// The Kubo front (a real Kubo node) and a storage uploader over it, for chunk files.
    private func kuboChunkStorage(_ fixture: PublishFixture) async throws -> (SupportScript, String, StorageUploader) {
        let kubo = try await SupportScript.start(script: "kubo_front.py", arguments: [])
        let url = "http://127.0.0.1:\(kubo.payload)"
        do {
            let uploader = try StorageUploader(
                configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: url)])), client: fixture.http)
            return (kubo, url, uploader)
        } catch {
            kubo.stop()
            throw error
        }
    }

    private func waitForPush(_ journal: Journal, _ stream: JournalStreamKey, seq: Int64) async throws -> JournalPush? {
        for _ in 0..<400 {
            if let push = try journal.push(stream, seq: seq) { return push }
            try await Task.sleep(for: .milliseconds(25))
        }
        return nil
    }
}

/// A loopback port nothing listens on (bound, then closed).
func closedLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestFailure("socket failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

import AliveTestSupport
import Foundation
import Testing
@testable import AliveJournal
import GRDB

@Suite struct JournalTests {
    @Test func opensWithWALAndFullSynchronousWrites() throws {
        try TemporaryJournal.with { journal, path throws in
            #expect(try journal.pragma("journal_mode") == "wal")
            #expect(try journal.pragma("synchronous") == "2")  // FULL
            #expect(try journal.integrityProblems().isEmpty)
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func segmentsFlowFromStoredToAliveDBToLedger() throws {
        try TemporaryJournal.with { journal, _ throws in
            for sequence in 0..<3 {
                try journal.recordSegment(stream, sequence: Int64(sequence), cid: "Qm\(sequence)", duration: 2.5)
            }
            #expect(try journal.segmentsAwaitingAliveDB(stream).map(\.sequence) == [0, 1, 2])
            try journal.markPushedToAliveDB(stream, sequence: 1)
            #expect(try journal.segmentsAwaitingAliveDB(stream).map(\.sequence) == [0, 2])
            #expect(try journal.segmentsAwaitingLedger(stream).map(\.sequence) == [0, 1, 2])

            let chunk = try journal.recordPush(stream, content: .chunk(cid: "QmChunk", byteCount: 120, segments: [0, 1])) { seq in
                fakeTransaction(seq: seq)
            }
            #expect(chunk.seq == 0)
            #expect(chunk.src == "QmChunk")
            #expect(chunk.duration == nil)
            #expect(chunk.state == .pending)
            #expect(chunk.content == .chunk(cid: "QmChunk", byteCount: 120, segments: [0, 1]))
            #expect(try journal.segmentsAwaitingLedger(stream).map(\.sequence) == [2])
            #expect(try journal.segments(stream, ledgerSeq: 0).map(\.cid) == ["Qm0", "Qm1"])

            let single = try journal.recordPush(stream, content: .segment(sequence: 2)) { fakeTransaction(seq: $0) }
            #expect(single.seq == 1)
            #expect(single.src == "Qm2")
            #expect(single.duration == 2.5)
            #expect(try journal.segmentsAwaitingLedger(stream).isEmpty)
            #expect(try journal.nextSeq(stream) == 2)
            #expect(try journal.integrityProblems().isEmpty)
        }
    }

    @Test func reRecordingASegmentIsIdempotentButAConflictingOneIsRefused() throws {
        try TemporaryJournal.with { journal, _ throws in
            try journal.recordSegment(stream, sequence: 7, cid: "QmA", duration: 2)
            try journal.recordSegment(stream, sequence: 7, cid: "QmA", duration: 2)
            let error = #expect(throws: JournalError.self) { try journal.recordSegment(stream, sequence: 7, cid: "QmB", duration: 2) }
            #expect(error?.kind == .conflict)
            #expect(try journal.segments(stream).map(\.cid) == ["QmA"])
        }
    }

    @Test func aSegmentIsCarriedByOnePushOnly() throws {
        try TemporaryJournal.with { journal, _ throws in
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            try journal.recordSegment(stream, sequence: 1, cid: "Qm1", duration: 2)
            _ = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            let error = #expect(throws: JournalError.self) {
                try journal.recordPush(stream, content: .chunk(cid: "QmC", byteCount: 10, segments: [0, 1])) { fakeTransaction(seq: $0) }
            }
            #expect(error?.kind == .conflict)
            // Nothing of the refused push is left: seq 1 is still free, segment 1 still waiting.
            #expect(try journal.nextSeq(stream) == 1)
            #expect(try journal.segmentsAwaitingLedger(stream).map(\.sequence) == [1])
            let missing = #expect(throws: JournalError.self) {
                try journal.recordPush(stream, content: .segment(sequence: 9)) { fakeTransaction(seq: $0) }
            }
            #expect(missing?.kind == .notFound)
        }
    }

    @Test func aFailedSigningLeavesTheSeqFree() throws {
        struct SigningFailed: Error {}
        try TemporaryJournal.with { journal, _ throws in
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            #expect(throws: SigningFailed.self) {
                try journal.recordPush(stream, content: .segment(sequence: 0)) { _ in throw SigningFailed() }
            }
            #expect(try journal.nextSeq(stream) == 0)
            #expect(try journal.pushes(stream).isEmpty)
            let push = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            #expect(push.seq == 0)
        }
    }

    @Test func seqAndUnconfirmedPushesSurviveReopening() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        do {
            let journal = try Journal(path: path)
            defer { try? journal.close() }
            for sequence in 0..<4 { try journal.recordSegment(stream, sequence: Int64(sequence), cid: "Qm\(sequence)", duration: 2) }
            for sequence in 0..<3 {
                let push = try journal.recordPush(stream, content: .segment(sequence: Int64(sequence))) { fakeTransaction(seq: $0) }
                if sequence == 0 { try journal.markConfirmed(stream, seq: push.seq, transactionID: push.transaction.transactionID, blockNumber: 99) }
                if sequence == 1 { try journal.markBroadcast(stream, seq: push.seq, transactionID: push.transaction.transactionID) }
            }
        }
        let reopened = try Journal(path: path)
        defer { try? reopened.close() }
        #expect(try reopened.nextSeq(stream) == 3)
        let unconfirmed = try reopened.unconfirmedPushes(stream)
        #expect(unconfirmed.map(\.seq) == [1, 2])
        #expect(unconfirmed.map(\.state) == [.broadcast, .pending])
        #expect(unconfirmed[0].transaction == fakeTransaction(seq: 1))
        #expect(try reopened.push(stream, seq: 0)?.blockNumber == 99)
        let next = try reopened.recordPush(stream, content: .segment(sequence: 3)) { fakeTransaction(seq: $0) }
        #expect(next.seq == 3)
        #expect(try reopened.integrityProblems().isEmpty)
    }

    @Test func expiryOnlyOnChainTimeThenReSignWithTheSameSeq() throws {
        try TemporaryJournal.with { journal, _ throws in
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            let push = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0, expiration: 1_000) }
            try journal.markBroadcast(stream, seq: 0, transactionID: push.transaction.transactionID)
            try journal.markBroadcast(stream, seq: 0, transactionID: push.transaction.transactionID)  // repeated: no-op

            // At or before expiration it may still land: refused.
            let early = #expect(throws: JournalError.self) {
                try journal.markExpired(stream, seq: 0, transactionID: push.transaction.transactionID, headBlockTime: 1_000)
            }
            #expect(early?.kind == .invalidState)
            let notExpired = #expect(throws: JournalError.self) {
                try journal.resign(stream, seq: 0) { fakeTransaction(seq: $0.seq, signing: 2) }
            }
            #expect(notExpired?.kind == .invalidState)

            try journal.markExpired(stream, seq: 0, transactionID: push.transaction.transactionID, headBlockTime: 1_001)
            let resigned = try journal.resign(stream, seq: 0) { expired in
                #expect(expired.seq == 0)
                #expect(expired.src == "Qm0")
                return fakeTransaction(seq: expired.seq, signing: expired.signings + 1, expiration: 2_000)
            }
            #expect(resigned.seq == 0)
            #expect(resigned.state == .pending)
            #expect(resigned.signings == 2)
            #expect(resigned.transaction.transactionID == "tx-0-2")
            #expect(try journal.supersededTransactionIDs(stream, seq: 0) == ["tx-0-1"])
            #expect(try journal.nextSeq(stream) == 1)

            // Reports about the old transaction no longer apply.
            let stale = #expect(throws: JournalError.self) { try journal.markConfirmed(stream, seq: 0, transactionID: "tx-0-1") }
            #expect(stale?.kind == .conflict)
            try journal.markConfirmed(stream, seq: 0, transactionID: "tx-0-2")
            let final = #expect(throws: JournalError.self) {
                try journal.markExpired(stream, seq: 0, transactionID: "tx-0-2", headBlockTime: 9_999)
            }
            #expect(final?.kind == .invalidState)
            #expect(try journal.unconfirmedPushes(stream).isEmpty)
            #expect(try journal.integrityProblems().isEmpty)
        }
    }

    @Test func resigningWithTheSameTransactionIsRefused() throws {
        try TemporaryJournal.with { journal, _ throws in
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            let push = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            try journal.markExpired(stream, seq: 0, transactionID: push.transaction.transactionID, headBlockTime: 5_000)
            #expect(throws: JournalError.self) { try journal.resign(stream, seq: 0) { _ in fakeTransaction(seq: 0) } }
            #expect(try journal.push(stream, seq: 0)?.state == .expired)
        }
    }

    @Test func raisingTheSeqFromTheIndexerSkipsForwardOnly() throws {
        try TemporaryJournal.with { journal, _ throws in
            #expect(try journal.raiseNextSeq(stream, to: 5) == 5)
            #expect(try journal.raiseNextSeq(stream, to: 3) == 5)
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            #expect(try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }.seq == 5)
            #expect(try journal.raiseNextSeq(stream, to: 8) == 8)
            #expect(try journal.nextSeq(stream) == 8)
            #expect(try journal.integrityProblems().isEmpty)
        }
    }

    @Test func streamsAreIndependent() throws {
        try TemporaryJournal.with { journal, _ throws in
            let other = JournalStreamKey(network: "avalon", streamer: "alice", link: "stream1")
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            try journal.recordSegment(other, sequence: 0, cid: "Qm0", duration: 2)
            _ = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            #expect(try journal.nextSeq(other) == 0)
            #expect(try journal.segmentsAwaitingLedger(other).count == 1)
            #expect(Set(try journal.streams()) == [stream, other])
        }
    }

    @Test func refusesBadInput() throws {
        try TemporaryJournal.with { journal, _ throws in
            #expect(throws: JournalError.self) { try journal.recordSegment(stream, sequence: -1, cid: "Qm", duration: 2) }
            #expect(throws: JournalError.self) { try journal.recordSegment(stream, sequence: 0, cid: "", duration: 2) }
            #expect(throws: JournalError.self) { try journal.recordSegment(stream, sequence: 0, cid: "Qm", duration: 0) }
            #expect(throws: JournalError.self) { try journal.recordSegment(stream, sequence: 0, cid: "Qm", duration: .nan) }
            try journal.recordSegment(stream, sequence: 0, cid: "Qm", duration: 2)
            #expect(throws: JournalError.self) {
                try journal.recordPush(stream, content: .chunk(cid: "C", byteCount: 10, segments: [0, 0])) { fakeTransaction(seq: $0) }
            }
            #expect(throws: JournalError.self) {
                try journal.recordPush(stream, content: .segment(sequence: 0)) { _ in
                    JournalSignedTransaction(transactionID: "", body: "x", serialized: nil, expiration: 1)
                }
            }
            #expect(throws: JournalError.self) { try journal.markPushedToAliveDB(stream, sequence: 42) }
            #expect(try journal.nextSeq(stream) == 0)
        }
    }

    @Test func useAfterCloseIsAStorageError() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try Journal(path: directory.appendingPathComponent("j.sqlite").path)
        try journal.close()
        try journal.close()
        let error = #expect(throws: JournalError.self) { try journal.nextSeq(stream) }
        #expect(error?.kind == .storage)
    }

    @Test func unopenablePathIsAStorageError() {
        let error = #expect(throws: JournalError.self) { try Journal(path: "/nonexistent-dir/alived/journal.sqlite") }
        #expect(error?.kind == .storage)
    }

    @Test func aCorruptFileIsReportedNotOverwritten() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let garbage = Data((0..<8_192).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.kind == .storage)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }
}

extension JournalTests {
    /// A database of another program (a conflicting `streams` table) is refused with
    /// a clear error and its content is left as it was (only the WAL flag in the
    /// header may change).
    @Test func aForeignDatabaseIsRefusedAndLeftAlone() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        _ = try sqlite3(path, "CREATE TABLE streams (something TEXT); INSERT INTO streams VALUES ('theirs');")
        let before = try sqlite3(path, ".dump")
        let error = #expect(throws: JournalError.self) { try Journal(path: path) }
        #expect(error?.kind == .storage)
        #expect(try sqlite3(path, ".dump") == before)
        #expect(before.contains("theirs"))
    }

    /// A journal written before the discontinuity mark existed (migration v1 only) is
    /// upgraded in place when opened: its segments read unmarked, new ones can be marked,
    /// and a single-segment push of a marked segment says so (its re-signing needs it).
    @Test func aJournalFromBeforeTheDiscontinuityMarkIsUpgradedInPlace() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let old = try DatabaseQueue(path: path)
        try JournalSchema.migrator().migrate(old, upTo: "v1")
        try old.write { db in
            try db.execute(sql: "INSERT INTO streams (id, network, streamer, link) VALUES (1, 'hive', 'alice', 'stream1')")
            try db.execute(sql: "INSERT INTO segments (stream_id, sequence, cid, duration) VALUES (1, 0, 'QmOld', 2.0)")
        }
        try old.close()

        let journal = try Journal(path: path)
        defer { try? journal.close() }
        #expect(try journal.segments(stream).map(\.discontinuity) == [false])
        try journal.recordSegment(stream, sequence: 1, cid: "QmNew", duration: 2, discontinuity: true)
        let error = #expect(throws: JournalError.self, "the same segment with another mark") {
            try journal.recordSegment(stream, sequence: 1, cid: "QmNew", duration: 2)
        }
        #expect(error?.kind == .conflict)
        let plain = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
        let marked = try journal.recordPush(stream, content: .segment(sequence: 1)) { fakeTransaction(seq: $0) }
        #expect(!plain.discontinuity && marked.discontinuity)
        #expect(try journal.push(stream, seq: marked.seq)?.discontinuity == true, "read back as recorded")
        #expect(try journal.segments(stream).map(\.discontinuity) == [false, true])
        #expect(try journal.integrityProblems() == [])
    }

    /// Bounded memory over a long stream: a small page cache, and the per-batch question
    /// (which pushes are unconfirmed) answered from an index of the unconfirmed ones, not
    /// by reading every push of the stream.
    @Test func theJournalReadsItsTailThroughIndexesWithASmallPageCache() throws {
        try TemporaryJournal.with { journal, path in
            try journal.recordSegment(stream, sequence: 0, cid: "QmA", duration: 2)
            _ = try journal.recordPush(stream, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            #expect(try journal.read("test") { try Int.fetchOne($0, sql: "PRAGMA cache_size") } == -Journal.pageCacheKiB)
            let plan = try journal.read("test") { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT seq FROM ledger_pushes WHERE stream_id = 1 AND state != 'confirmed' ORDER BY seq")
                    .map { $0["detail"] as String }
            }
            #expect(plan.contains { $0.contains("ledger_pushes_unconfirmed") }, "\(plan)")
            #expect(try journal.unconfirmedPushes(stream).map(\.seq) == [0])
        }
    }

    /// Runs the sqlite3 shell (Debian's sqlite3, a test dependency) with bounded time.
    private func sqlite3(_ path: String, _ command: String) throws -> String {
        try ExternalProcess.output("/usr/bin/sqlite3", [path, command], timeout: 20)
    }
}

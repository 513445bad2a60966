import Testing
@testable import AliveJournal

/// A stream's life in the journal: opened once, its activity, its end asked for and done,
/// its op 2 payload, all surviving a reopen of the file.
@Suite struct JournalLifecycleTests {
    @Test func aStreamIsOpenedOnceAndItsLifeIsKept() throws {
        try TemporaryJournal.with { journal, path throws in
            let event = JournalStreamKey(network: "hive", streamer: "alice", link: "gig-1")
            try journal.openStream(event, template: "gig-{n}", number: 1, at: 1_000)
            #expect(throws: JournalError.self) { try journal.openStream(event, template: "gig-{n}", number: 1, at: 2_000) }
            try journal.recordSegment(event, sequence: 0, cid: "Qm0", duration: 2, at: 5_000)
            try journal.recordSegment(event, sequence: 1, cid: "Qm1", duration: 2, at: 4_000)  // a clock set back
            try journal.noteActivity(event, at: 3_000)
            var record = try #require(try journal.streamRecord(event))
            #expect(record.template == "gig-{n}" && record.number == 1 && record.openedAt == 1_000)
            #expect(record.lastActivityAt == 5_000, "activity never moves back")
            #expect(record.segmentCount == 2 && record.configured == nil && !record.isEnded && record.endRequestedAt == nil)

            try journal.markConfigured(event, payload: #"{"op":2,"link":"gig-1"}"#)
            _ = try journal.recordPush(event, content: .segment(sequence: 0)) { fakeTransaction(seq: $0) }
            try journal.markConfirmed(event, seq: 0, transactionID: "tx-0-1")
            try journal.requestEnd(event, at: 6_000)
            try journal.requestEnd(event, at: 7_000)
            record = try #require(try journal.streamRecord(event))
            #expect(record.endRequestedAt == 6_000 && !record.isEnded, "the first request counts")
            #expect(record.firstConfirmedSeq == 0 && record.lastConfirmedSeq == 0 && record.nextSeq == 1)

            try journal.markEnded(event, at: 8_000, transactionID: "tx-end")
            try journal.close()
            let reopened = try Journal(path: path)
            defer { try? reopened.close() }
            record = try #require(try reopened.streamRecord(event))
            #expect(record.isEnded && record.endedAt == 8_000 && record.endTransactionID == "tx-end")
            #expect(record.configured == #"{"op":2,"link":"gig-1"}"#)
            let second = JournalStreamKey(network: "hive", streamer: "alice", link: "gig-2")
            try reopened.openStream(second, template: "gig-{n}", number: 2, at: 9_000)
            #expect(try reopened.streamRecords(network: "hive", streamer: "alice").map(\.key.link) == ["gig-1", "gig-2"])
            #expect(try reopened.streamRecords(network: "avalon", streamer: "alice").isEmpty)
            #expect(try reopened.streamLinks(network: "hive", streamer: "alice") == ["gig-1", "gig-2"])
            #expect(try reopened.highestStreamNumber(network: "hive", streamer: "alice", template: "gig-{n}") == 2)
            #expect(try reopened.highestStreamNumber(network: "hive", streamer: "alice", template: "other") == nil)
            // The newest `limit`, and every stream not ended whatever the limit.
            #expect(try reopened.streamRecords(network: "hive", streamer: "alice", limit: 0).map(\.key.link) == ["gig-2"])
            #expect(try reopened.streamRecords(network: "hive", streamer: "alice", limit: 2).map(\.key.link) == ["gig-1", "gig-2"])
            #expect(try reopened.integrityProblems() == [])
        }
    }

    @Test func aStreamFromBeforeTheLifecycleIsTakenAsOpenAndActiveNow() throws {
        try TemporaryJournal.with { journal, _ throws in
            // A row written as the journal before v4 did: no opened_at (the migration sets
            // it for rows it finds; a row created by recordSegment has none).
            try journal.recordSegment(stream, sequence: 0, cid: "Qm0", duration: 2)
            let record = try #require(try journal.streamRecord(stream))
            #expect(record.template == nil && record.number == nil && !record.isEnded)
        }
    }
}

import AliveJournal
import Foundation

/// Child process of the journal crash test (Tests/AliveJournalTests): opens the
/// journal, checks it, then records segments, pushes, confirmations and re-signs at
/// full speed, printing a line after each commit, until the test kills it with
/// SIGKILL. Stops by itself after a bounded time in case nobody does.
///
/// Usage: alived-crash-journal <journal path> <seed>
@main
struct CrashJournal {
    static let stream = JournalStreamKey(network: "hive", streamer: "alice", link: "crash")
    static let maximumRunSeconds = 30.0
    static let maximumOperations = 200_000

    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let seed = UInt64(arguments[2]) else {
            fail(2, "usage: alived-crash-journal <journal path> <seed>")
        }
        do {
            try run(path: arguments[1], seed: seed)
        } catch {
            fail(1, "error \(error)")
        }
    }

    static func run(path: String, seed: UInt64) throws {
        let journal = try Journal(path: path)
        defer { try? journal.close() }

        // Start-up: the journal must be sound and every record intact.
        let problems = try journal.integrityProblems()
        if !problems.isEmpty { fail(4, "problem \(problems.joined(separator: " | "))") }
        for push in try journal.pushes(stream) where !intact(push) {
            fail(3, "torn seq \(push.seq)")
        }
        let segments = try journal.segments(stream)
        say("ready \(try journal.nextSeq(stream)) \(segments.count)")

        // "Re-broadcast" what a crash left unconfirmed: same transaction, unchanged.
        for push in try journal.unconfirmedPushes(stream) where push.state == .pending {
            try journal.markBroadcast(stream, seq: push.seq, transactionID: push.transaction.transactionID)
        }

        var random = SplitMix64(seed: seed)
        var nextSegment = (segments.last?.sequence ?? -1) + 1
        let deadline = Date().addingTimeInterval(maximumRunSeconds)
        var operations = 0
        while operations < maximumOperations, Date() < deadline {
            operations += 1
            switch random.next() % 100 {
            case 0..<45:
                try journal.recordSegment(
                    stream, sequence: nextSegment, cid: CrashRecord.segmentCID(nextSegment),
                    duration: CrashRecord.segmentDuration(nextSegment))
                say("segment \(nextSegment)")
                nextSegment += 1
            case 45..<60:
                if let segment = try journal.segmentsAwaitingAliveDB(stream).first {
                    try journal.markPushedToAliveDB(stream, sequence: segment.sequence)
                }
            case 60..<82:
                let awaiting = try journal.segmentsAwaitingLedger(stream)
                guard !awaiting.isEmpty else { continue }
                let batch = Array(awaiting.prefix(Int(random.next() % 4) + 1)).map(\.sequence)
                let content: JournalPushContent = batch.count == 1
                    ? .segment(sequence: batch[0])
                    : .chunk(cid: CrashRecord.chunkCID(batch), byteCount: 60 * batch.count, segments: batch)
                let src = batch.count == 1 ? CrashRecord.segmentCID(batch[0]) : CrashRecord.chunkCID(batch)
                let push = try journal.recordPush(stream, content: content) { seq in
                    signed(seq: seq, src: src, segments: batch, signing: 1)
                }
                say("push \(push.seq) \(push.transaction.transactionID)")
            case 82..<92:
                guard let push = try journal.unconfirmedPushes(stream).first(where: { $0.state != .expired }) else { continue }
                try journal.markConfirmed(stream, seq: push.seq, transactionID: push.transaction.transactionID, blockNumber: push.seq)
                say("confirm \(push.seq)")
            default:
                let unconfirmed = try journal.unconfirmedPushes(stream)
                guard !unconfirmed.isEmpty else { continue }
                var push = unconfirmed[Int(random.next() % UInt64(unconfirmed.count))]
                if push.state != .expired {
                    try journal.markExpired(
                        stream, seq: push.seq, transactionID: push.transaction.transactionID,
                        headBlockTime: push.transaction.expiration + 1)
                }
                push = try journal.resign(stream, seq: push.seq) { expired in
                    signed(seq: expired.seq, src: expired.src, segments: carried(expired), signing: expired.signings + 1)
                }
                say("resign \(push.seq) \(push.transaction.transactionID)")
            }
        }
        fail(5, "not killed within the bound")
    }

    static func signed(seq: Int64, src: String, segments: [Int64], signing: Int) -> JournalSignedTransaction {
        let body = CrashRecord.body(seq: seq, src: src, segments: segments, signing: signing)
        return JournalSignedTransaction(
            transactionID: CrashRecord.transactionID(body: body), body: body, serialized: Array(body.utf8),
            expiration: seq * 10 + Int64(signing) * 100)
    }

    static func carried(_ push: JournalPush) -> [Int64] {
        switch push.content {
        case .segment(let sequence): [sequence]
        case .chunk(_, _, let segments): segments
        }
    }

    static func intact(_ push: JournalPush) -> Bool {
        CrashRecord.verify(body: push.transaction.body, seq: push.seq, src: push.src, segments: carried(push), signing: push.signings)
            && push.transaction.transactionID == CrashRecord.transactionID(body: push.transaction.body)
            && push.transaction.serialized == Array(push.transaction.body.utf8)
    }

    /// One line per committed step, flushed at once: the test counts on having seen
    /// it only after the commit returned.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func fail(_ code: Int32, _ line: String) -> Never {
        say(line)
        exit(code)
    }
}

/// Small seeded generator so a failing run can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import AliveTestSupport
import Foundation
import Testing
@testable import AliveJournal
@testable import alived_crash_journal

/// Kills a writing process with SIGKILL at random points, again and again, and
/// checks after every restart that the journal holds: SQLite sound, seqs 0 … n−1
/// each used once (none reused, none skipped), the next seq resumes right after
/// the last recorded one, no record torn, and everything the child reported as
/// committed still there.
@Suite struct JournalCrashTests {
    /// At least this many kills, and go on until at least `minimumPushes` pushes were
    /// made across them (slow disks make fewer per run), within `maximumRuns`.
    static let kills = 60
    static let minimumPushes: Int64 = 40
    static let maximumRuns = 250

    @Test func survivesRepeatedKillNine() throws {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let helper = try builtExecutable("alived-crash-journal")
        let stream = CrashJournal.stream
        let started = ContinuousClock.now

        var expectedNextSeq: Int64 = 0
        var reportedSegments = Set<Int64>()
        var reportedTransactions: [Int64: String] = [:]  // seq → last reported transaction id
        var reportedConfirmed = Set<Int64>()
        var runsWithProgress = 0
        var generator = SystemRandomNumberGenerator()

        var run = 0
        while run < Self.kills || expectedNextSeq < Self.minimumPushes {
            try #require(run < Self.maximumRuns, "only \(expectedNextSeq) pushes after \(run) runs")
            defer { run += 1 }
            let child = try ChildLines(executable: helper, arguments: [path, String(1_000 + run)])
            var lines: [String] = []
            if run % 5 == 0 {
                // Early kill: anywhere in start-up (opening, migration, checks, recovery).
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.015, using: &generator))
                lines = try child.killAndCollect(timeout: .seconds(20))
            } else {
                // Kill somewhere in the work loop: after the first commit, plus 0–100 ms.
                let ready = try child.readLine(timeout: .seconds(20))
                let first = try child.readLine(timeout: .seconds(20))
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.100, using: &generator))
                lines = [ready, first].compactMap { $0 } + (try child.killAndCollect(timeout: .seconds(20)))
            }
            if let ready = lines.first, ready.hasPrefix("ready") {
                let fields = ready.split(separator: " ")
                // Resume: the next seq is exactly the one after what the journal holds.
                #expect(fields.count == 3 && Int64(fields[1]) == expectedNextSeq, "run \(run): \(ready), expected next seq \(expectedNextSeq)")
                lines.removeFirst()
            } else {
                #expect(lines.isEmpty, "run \(run): helper said \(lines.first ?? "") before ready")
            }

            var progressed = false
            for line in lines {
                let fields = line.split(separator: " ").map(String.init)
                switch fields.first {
                case "segment": reportedSegments.insert(Int64(fields[1])!); progressed = true
                case "push", "resign": reportedTransactions[Int64(fields[1])!] = fields[2]; progressed = true
                case "confirm": reportedConfirmed.insert(Int64(fields[1])!)
                default: Issue.record("run \(run): unexpected helper line \(line)")
                }
            }
            if progressed { runsWithProgress += 1 }

            // Check the journal as the next start would find it.
            let journal = try Journal(path: path)
            defer { try? journal.close() }
            #expect(try journal.integrityProblems() == [], "run \(run)")
            let pushes = try journal.pushes(stream)
            #expect(pushes.map(\.seq) == Array(0..<Int64(pushes.count)), "run \(run): seqs are not 0..<n")
            #expect(try journal.nextSeq(stream) == Int64(pushes.count))
            for push in pushes {
                #expect(CrashJournal.intact(push), "run \(run): seq \(push.seq) torn")
            }
            let segments = try journal.segments(stream)
            let recorded = Set(segments.map(\.sequence))
            #expect(reportedSegments.isSubset(of: recorded), "run \(run): reported segments lost")
            #expect(segments.map(\.sequence) == Array(0..<Int64(segments.count)), "run \(run): segment sequence has a hole")
            for (seq, transactionID) in reportedTransactions {
                guard let push = pushes.first(where: { $0.seq == seq }) else {
                    Issue.record("run \(run): reported seq \(seq) lost")
                    continue
                }
                let known = [push.transaction.transactionID] + (try journal.supersededTransactionIDs(stream, seq: seq))
                #expect(known.contains(transactionID), "run \(run): seq \(seq) lost transaction \(transactionID)")
            }
            for seq in reportedConfirmed {
                #expect(pushes.first { $0.seq == seq }?.state == .confirmed, "run \(run): confirmation of \(seq) lost")
            }
            // Every segment on at most one push, and each push's segments recorded.
            var carried = Set<Int64>()
            for push in pushes {
                for sequence in CrashJournal.carried(push) {
                    #expect(carried.insert(sequence).inserted, "run \(run): segment \(sequence) on two pushes")
                }
            }
            expectedNextSeq = Int64(pushes.count)
        }

        // The runs did real work between kills, and the whole test stayed bounded.
        print("crash-test stats: kills \(run), runs with progress \(runsWithProgress), pushes \(expectedNextSeq), segments \(reportedSegments.count), confirms \(reportedConfirmed.count)")
        #expect(runsWithProgress >= run * 3 / 4, "only \(runsWithProgress) of \(run) runs progressed")
        #expect(ContinuousClock.now - started < .seconds(240))
    }
}

import AliveTestSupport
import Foundation
@testable import AliveJournal

/// A journal in a fresh temporary directory, removed afterwards.
enum TemporaryJournal {
    static func with<T>(_ body: (Journal, String) throws -> T) throws -> T {
        let directory = TestScratch.directory("journal")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("journal.sqlite").path
        let journal = try Journal(path: path)
        defer { try? journal.close() }
        return try body(journal, path)
    }
}

let stream = JournalStreamKey(network: "hive", streamer: "alice", link: "stream1")

/// A recognizable stand-in for a signed transaction of `seq`.
func fakeTransaction(seq: Int64, signing: Int = 1, expiration: Int64 = 1_000) -> JournalSignedTransaction {
    let body = #"{"seq":\#(seq),"signing":\#(signing)}"#
    return JournalSignedTransaction(
        transactionID: "tx-\(seq)-\(signing)", body: body, serialized: Array(body.utf8), expiration: expiration)
}

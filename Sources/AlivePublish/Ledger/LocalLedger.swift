import AliveJournal
import AliveLedger
import Crypto

/// `publishing.network = "local"`: the box's own journal in place of a chain. Each push
/// is the Alive Protocol payload a chain would carry (`{"op":0,"seq":…,"link":…,"src":…}`,
/// op 2 and op 1 likewise), journaled with its seq like any push and counted as included at
/// once: nothing is signed, nothing leaves the box. Batching, chunks, seq and the
/// exactly-once bookkeeping run exactly as they do for Hive, so a box without a ledger
/// account still does the whole job and shows what it would publish.
struct LocalLedger: Ledger {
    let streamer: String
    let link: String

    var network: String { "local" }

    func checkKey() async throws -> KeyCheckReport {
        KeyCheckReport(network: network, account: streamer, derivedPublicKey: "none (local pushes are not signed)",
                       accountPublicKeys: [], problem: nil)
    }

    func pushSigner(content: AlivePushContent) async throws -> @Sendable (Int64) throws -> JournalSignedTransaction {
        { [self] seq in try record(.push(seq: UInt64(seq), link: link, content: content)) }
    }

    func resigner() async throws -> @Sendable (JournalPush) throws -> JournalSignedTransaction {
        { [self] push in try record(.push(seq: UInt64(push.seq), link: link, content: push.aliveContent)) }
    }

    func controlTransaction(_ purpose: LedgerPurpose) async throws -> JournalSignedTransaction {
        switch purpose {
        case .configure(let options): try record(.configure(link: link, options: options))
        case .end: try record(.end(link: link))
        case .push(let seq, let content): try record(.push(seq: UInt64(seq), link: link, content: content))
        }
    }

    /// The payload as the record's body; its id is the first 20 bytes of its SHA-256 in hex
    /// (the length of a Hive transaction id), so the same push always has the same id.
    func record(_ operation: AliveOperation) throws -> JournalSignedTransaction {
        let body = try operation.jsonText()
        let id = Hex.encode(SHA256.hash(data: Array(body.utf8)).prefix(20))
        return JournalSignedTransaction(transactionID: id, body: body, serialized: nil, expiration: Int64.max)
    }

    func broadcast(_ transaction: JournalSignedTransaction) async throws -> LedgerBroadcastOutcome { .accepted }

    func status(of transaction: JournalSignedTransaction, purpose: LedgerPurpose) async throws -> LedgerStatus {
        .included(block: nil)
    }

    /// The journal is the only record: nothing else to cross-check the seq with.
    func highestSeqOnChain() async throws -> Int64? { nil }

    func mustConfigureBeforePushing() async throws -> Bool { false }
}

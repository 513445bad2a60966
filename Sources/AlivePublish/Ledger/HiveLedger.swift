import AliveJournal
import AliveLedger

/// Hive `custom_json` publishing. Transactions reference the head block the node just
/// reported and expire `expiresAfter` seconds after ITS time (the box may think it is
/// 1970). A push counts as on-chain once hived reports it in an irreversible block;
/// it counts as lost (re-signed with the same seq) only once hived reports it expired
/// beyond the last irreversible block.
struct HiveLedger: Ledger {
    let client: HiveNodeClient
    let signer: HiveSigner
    let streamer: String
    let link: String
    let customJSONID: String
    let expiresAfter: UInt32
    let indexer: IndexerClient?

    var network: String { "hive" }

    func checkKey() async throws -> KeyCheckReport {
        let derived = signer.publicKeyString
        guard let authority = try await client.postingAuthority(of: streamer) else {
            return KeyCheckReport(network: network, account: streamer, derivedPublicKey: derived, accountPublicKeys: [],
                                  problem: "the Hive node knows no account \(streamer)")
        }
        let keys = authority.keys.map(\.publicKey)
        let problem: String?
        if let match = authority.keys.first(where: { $0.publicKey == derived }) {
            problem = match.weight < authority.weightThreshold
                ? "the posting key's weight \(match.weight) is below \(streamer)'s posting threshold \(authority.weightThreshold): it cannot sign alone"
                : nil
        } else {
            problem = "the configured posting key (public key \(derived)) is not one of \(streamer)'s posting keys"
        }
        return KeyCheckReport(network: network, account: streamer, derivedPublicKey: derived, accountPublicKeys: keys, problem: problem)
    }

    func pushSigner(content: AlivePushContent) async throws -> @Sendable (Int64) throws -> JournalSignedTransaction {
        let head = try await client.dynamicGlobalProperties()
        return { [self] seq in
            try sign(.push(seq: UInt64(seq), link: link, content: content), head: head)
        }
    }

    func resigner() async throws -> @Sendable (JournalPush) throws -> JournalSignedTransaction {
        let head = try await client.dynamicGlobalProperties()
        return { [self] push in
            try sign(.push(seq: UInt64(push.seq), link: link, content: push.aliveContent), head: head)
        }
    }

    func controlTransaction(_ purpose: LedgerPurpose) async throws -> JournalSignedTransaction {
        let head = try await client.dynamicGlobalProperties()
        switch purpose {
        case .configure(let options): return try sign(.configure(link: link, options: options), head: head)
        case .end: return try sign(.end(link: link), head: head)
        case .push(let seq, let content): return try sign(.push(seq: UInt64(seq), link: link, content: content), head: head)
        }
    }

    func sign(_ operation: AliveOperation, head: HiveDynamicGlobalProperties) throws -> JournalSignedTransaction {
        let transaction = try HiveTransaction(
            referencing: head, expiresAfter: expiresAfter, operations: [operation.customJSON(streamer: streamer, id: customJSONID)])
        let signed = try signer.sign(transaction)
        return JournalSignedTransaction(
            transactionID: signed.id, body: try signed.jsonText(), serialized: transaction.serialized(),
            expiration: Int64(signed.expiration))
    }

    func broadcast(_ transaction: JournalSignedTransaction) async throws -> LedgerBroadcastOutcome {
        switch try await client.broadcast(transactionJSON: transaction.body) {
        case .accepted: .accepted
        case .duplicate: .duplicate
        case .rejected(let reason): .rejected(reason)
        }
    }

    func status(of transaction: JournalSignedTransaction, purpose: LedgerPurpose) async throws -> LedgerStatus {
        guard let expiration = UInt32(exactly: transaction.expiration) else {
            throw PublishError(.journal, "transaction \(transaction.transactionID) has an expiration Hive cannot hold")
        }
        switch try await client.transactionStatus(id: transaction.transactionID, expiration: expiration) {
        case .irreversible(let block):
            return .included(block: block)
        case .reversible, .mempool, .expiredReversible:
            return .pending(rebroadcast: false)
        case .unknown:
            return .pending(rebroadcast: true)
        case .expiredIrreversible:
            return .expired(chainTime: Int64(try await client.dynamicGlobalProperties().time))
        case .tooOld:
            // Beyond what the status API tracks (days): account history knows whether it landed.
            if let block = try await client.transactionBlock(id: transaction.transactionID) { return .included(block: block) }
            return .expired(chainTime: Int64(try await client.dynamicGlobalProperties().time))
        }
    }

    func highestSeqOnChain() async throws -> Int64? {
        try await indexer?.chunkFinalized(author: streamer, link: link)
    }

    func mustConfigureBeforePushing() async throws -> Bool { false }
}

import AliveJournal
import AliveLedger

/// Avalon playlist publishing. `ts` is the latest block's timestamp (chain time); a
/// node takes a transaction only within 60 s of it, so one not on the playlist once the
/// chain is past that window (plus two blocks for the playlist to show it) is lost and
/// re-signed with the same seq. A push is on-chain when the playlist holds exactly its
/// content at its seq (pushes overwrite by seq, so a repeat could never add a second
/// entry either).
struct AvalonLedger: Ledger {
    /// Avalon takes a transaction while the chain is at most this far past its `ts`.
    static let acceptanceWindowMilliseconds: Int64 = 60_000
    /// Margin before calling a transaction lost: time for the playlist to show it.
    static let visibilityMarginMilliseconds: Int64 = 6_000

    let client: AvalonNodeClient
    let signer: AvalonSigner
    let sender: String
    let link: String

    var network: String { "avalon" }

    func checkKey() async throws -> KeyCheckReport {
        let derived = signer.publicKeyString
        guard let account = try await client.account(sender) else {
            return KeyCheckReport(network: network, account: sender, derivedPublicKey: derived, accountPublicKeys: [],
                                  problem: "the Avalon node knows no account \(sender)")
        }
        let keys = [account.publicKey] + account.keys.map(\.publicKey)
        let problem: String?
        if account.publicKey == derived {
            problem = nil
        } else if let custom = account.keys.first(where: { $0.publicKey == derived }) {
            let missing = [AvalonTransaction.playlistJSONType, AvalonTransaction.playlistPushType].filter { !custom.types.contains($0) }
            problem = missing.isEmpty ? nil : "the Avalon key \(derived) of \(sender) may not sign transaction types \(missing)"
        } else {
            problem = "the configured Avalon key (public key \(derived)) is not one of \(sender)'s keys"
        }
        return KeyCheckReport(network: network, account: sender, derivedPublicKey: derived, accountPublicKeys: keys, problem: problem)
    }

    func pushSigner(content: AlivePushContent) async throws -> @Sendable (Int64) throws -> JournalSignedTransaction {
        let ts = try await client.chainTimeMilliseconds()
        return { [self] seq in
            try sign(AvalonTransaction.playlistPush(sender: sender, link: link, seq: UInt64(seq), content: content, ts: ts))
        }
    }

    func resigner() async throws -> @Sendable (JournalPush) throws -> JournalSignedTransaction {
        let ts = try await client.chainTimeMilliseconds()
        return { [self] push in
            try sign(AvalonTransaction.playlistPush(sender: sender, link: link, seq: UInt64(push.seq), content: push.aliveContent, ts: ts))
        }
    }

    func controlTransaction(_ purpose: LedgerPurpose) async throws -> JournalSignedTransaction {
        switch purpose {
        case .configure(let options):
            let ts = try await client.chainTimeMilliseconds()
            return try sign(AvalonTransaction.playlistJSON(sender: sender, link: link, json: try playlistJSON(options), ts: ts))
        case .end:
            throw PublishError(.unsupported, "Alive Protocol has no end-of-stream operation on Avalon")
        case .push(let seq, let content):
            let ts = try await client.chainTimeMilliseconds()
            return try sign(AvalonTransaction.playlistPush(sender: sender, link: link, seq: UInt64(seq), content: content, ts: ts))
        }
    }

    /// The playlist's JSON: op 2's optional fields (`pub`, `gw`, `storage`, `l2`).
    func playlistJSON(_ options: AliveStreamOptions) throws -> JSObject {
        var object = try AliveOperation.configure(link: link, options: options).payload()
        object["op"] = nil
        object["link"] = nil
        return object
    }

    func sign(_ transaction: AvalonTransaction) throws -> JournalSignedTransaction {
        let signed = try signer.sign(transaction)
        // Seconds, rounded up: the chain takes it while its time is ≤ ts + 60 s.
        let expiration = (transaction.ts + Self.acceptanceWindowMilliseconds + 999) / 1000
        return JournalSignedTransaction(transactionID: signed.hash, body: try signed.bodyText(form: .list), serialized: nil,
                                        expiration: expiration)
    }

    func broadcast(_ transaction: JournalSignedTransaction) async throws -> LedgerBroadcastOutcome {
        switch try await client.transact(body: transaction.body) {
        case .accepted: .accepted
        case .duplicate: .duplicate
        case .rejected(let reason): .rejected(reason)
        }
    }

    func status(of transaction: JournalSignedTransaction, purpose: LedgerPurpose) async throws -> LedgerStatus {
        let playlist = try await client.playlist(author: sender, link: link)
        switch purpose {
        case .push(let seq, let content):
            if let playlist, playlist[String(seq)] == (try Self.contentText(sender: sender, link: link, seq: seq, content: content)) {
                return .included(block: nil)
            }
        case .configure:
            if playlist != nil { return .included(block: nil) }
        case .end:
            throw PublishError(.unsupported, "Alive Protocol has no end-of-stream operation on Avalon")
        }
        let now = try await client.chainTimeMilliseconds()
        if now > transaction.expiration * 1000 + Self.visibilityMarginMilliseconds { return .expired(chainTime: now / 1000) }
        return .pending(rebroadcast: true)
    }

    /// The text a type-26 push stores at its seq: the chunk hash, or `hash,len`.
    static func contentText(sender: String, link: String, seq: Int64, content: AlivePushContent) throws -> String {
        let transaction = try AvalonTransaction.playlistPush(sender: sender, link: link, seq: UInt64(seq), content: content, ts: 1)
        guard case .array(let entries)? = transaction.data["seq"], case .array(let entry)? = entries.first,
              entry.count == 2, case .string(let text) = entry[1]
        else { throw PublishError(.badAnswer, "unexpected playlist push layout") }
        return text
    }

    func highestSeqOnChain() async throws -> Int64? {
        guard let playlist = try await client.playlist(author: sender, link: link) else { return nil }
        return playlist.keys.compactMap { Int64($0) }.max()
    }

    func mustConfigureBeforePushing() async throws -> Bool {
        try await client.playlist(author: sender, link: link) == nil
    }
}

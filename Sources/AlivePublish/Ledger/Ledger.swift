import AliveJournal
import AliveLedger

/// A ledger's part in exactly-once publishing: sign (with the chain's own time),
/// broadcast, and say where a transaction stands. Implemented for Hive
/// (`HiveLedger`) and Avalon (`AvalonLedger`); the publisher and the stream commands
/// drive them the same way (`TransactionResolver`).
protocol Ledger: Sendable {
    /// The journal's network name of the stream (`hive`, `avalon`).
    var network: String { get }

    /// Derives the public key of the configured key and checks it against the account.
    func checkKey() async throws -> KeyCheckReport

    /// Reads the chain state a signature needs (head block, chain time) and returns a
    /// signer for `content` that runs inside the journal's transaction once the seq is
    /// reserved.
    func pushSigner(content: AlivePushContent) async throws -> @Sendable (Int64) throws -> JournalSignedTransaction

    /// A signer that re-signs an expired push with the same seq and content.
    func resigner() async throws -> @Sendable (JournalPush) throws -> JournalSignedTransaction

    /// Signs op 2 / op 1 (type 25 on Avalon, which has no end) for the configured stream.
    func controlTransaction(_ purpose: LedgerPurpose) async throws -> JournalSignedTransaction

    func broadcast(_ transaction: JournalSignedTransaction) async throws -> LedgerBroadcastOutcome

    func status(of transaction: JournalSignedTransaction, purpose: LedgerPurpose) async throws -> LedgerStatus

    /// The highest seq the chain (or its indexer) shows for the stream; nil for none,
    /// or when nothing is configured to ask.
    func highestSeqOnChain() async throws -> Int64?

    /// Whether the stream must be configured before the first push (Avalon's
    /// playlist must exist).
    func mustConfigureBeforePushing() async throws -> Bool
}

/// What a transaction is for, so a ledger can tell whether it landed.
enum LedgerPurpose: Sendable, Equatable {
    case push(seq: Int64, content: AlivePushContent)
    case configure(AliveStreamOptions)
    case end
}

enum LedgerBroadcastOutcome: Sendable, Equatable {
    case accepted
    /// The node already had it: our earlier send got through.
    case duplicate
    /// The node refused it (expired, bad signature, missing authority …).
    case rejected(String)
}

enum LedgerStatus: Sendable, Equatable {
    /// On-chain for good (Hive: in an irreversible block).
    case included(block: Int64?)
    /// Not (yet) on-chain and can still land; `rebroadcast` when no node knows it.
    case pending(rebroadcast: Bool)
    /// Can never land any more: chain time (Unix seconds) is past it for good.
    case expired(chainTime: Int64)
}

/// The key check's outcome, for the start-up error and `alived keys check`.
public struct KeyCheckReport: Sendable, Equatable {
    /// `hive`, `avalon` or `alivedb`.
    public let network: String
    public let account: String
    /// Derived from the configured private key.
    public let derivedPublicKey: String
    /// The keys the account accepts for this use, as the node reports them.
    public let accountPublicKeys: [String]
    /// nil when the key is good.
    public let problem: String?

    public var isValid: Bool { problem == nil }

    public init(network: String, account: String, derivedPublicKey: String, accountPublicKeys: [String], problem: String?) {
        self.network = network
        self.account = account
        self.derivedPublicKey = derivedPublicKey
        self.accountPublicKeys = accountPublicKeys
        self.problem = problem
    }
}

extension JournalPush {
    /// What the push carries, as the ledger formats sign it.
    var aliveContent: AlivePushContent {
        if let duration { return .segment(src: src, duration: duration, discontinuity: discontinuity) }
        return .chunk(src: src)
    }
}

/// One published stream: seq numbers are per stream and per ledger network.
public struct JournalStreamKey: Sendable, Hashable, CustomStringConvertible {
    /// `hive` or `avalon`.
    public let network: String
    public let streamer: String
    public let link: String

    public init(network: String, streamer: String, link: String) {
        self.network = network
        self.streamer = streamer
        self.link = link
    }

    public var description: String { "\(network)/\(streamer)/\(link)" }
}

/// A stored segment and how far it got.
public struct JournalSegment: Sendable, Equatable {
    /// The segmenter's media sequence number.
    public let sequence: Int64
    public let cid: String
    /// Seconds.
    public let duration: Double
    /// The first segment after a break in the stream: its push marks it.
    public let discontinuity: Bool
    public let pushedToAliveDB: Bool
    /// The ledger seq of the push that carries it, once recorded.
    public let ledgerSeq: Int64?
}

/// What a ledger push carries.
public enum JournalPushContent: Sendable, Equatable {
    /// One segment, pushed with its own hash and `len`.
    case segment(sequence: Int64)
    /// A chunk (CSV of `hash,len` lines) already stored under `cid`.
    case chunk(cid: String, byteCount: Int, segments: [Int64])
}

/// A signed transaction as it will be (re-)broadcast, unchanged, until it is seen
/// on-chain or has expired.
public struct JournalSignedTransaction: Sendable, Equatable {
    public let transactionID: String
    /// The request body / transaction JSON exactly as sent.
    public let body: String
    /// Hive's serialized transaction bytes (nil for Avalon, which signs JSON).
    public let serialized: [UInt8]?
    /// Unix seconds of chain time after which the chain will never include it.
    public let expiration: Int64

    public init(transactionID: String, body: String, serialized: [UInt8]?, expiration: Int64) {
        self.transactionID = transactionID
        self.body = body
        self.serialized = serialized
        self.expiration = expiration
    }
}

/// Where a push stands. pending → broadcast → confirmed; pending/broadcast →
/// expired (only once chain time is past its expiration) → pending again after a
/// re-sign with the same seq.
public enum JournalPushState: String, Sendable, CaseIterable {
    /// Recorded, not yet accepted by a node.
    case pending
    /// A node accepted it (or answered "duplicate"): waiting to see it in a block.
    case broadcast
    /// Seen on-chain: done for good.
    case confirmed
    /// Chain time passed its expiration unseen: it can never land; re-sign with the same seq.
    case expired
}

/// One ledger push with its seq, its transaction and its state.
public struct JournalPush: Sendable, Equatable {
    public let stream: JournalStreamKey
    public let seq: Int64
    public let content: JournalPushContent
    /// Hash pushed: the segment's or the chunk's CID.
    public let src: String
    /// `len` of a single-segment push; nil for a chunk.
    public let duration: Double?
    /// A single-segment push of a segment that follows a break (a chunk marks its lines).
    public let discontinuity: Bool
    public let transaction: JournalSignedTransaction
    public let state: JournalPushState
    /// How many times this seq was signed (1 + re-signs after expiry).
    public let signings: Int
    public let blockNumber: Int64?
}

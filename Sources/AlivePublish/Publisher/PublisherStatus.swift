/// What the publisher has done so far, for the status page and metrics.
public struct PublisherStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case idle
        /// Checking keys and the seq, recovering what a crash left unconfirmed.
        case starting
        case running
        /// Flushing the segments not yet on-chain, then ending the stream.
        case stopping
        case stopped
        /// Start-up failed for good (wrong key); see `lastProblem`.
        case failed
    }

    public var phase: Phase = .idle
    /// Stored segments handed to the publisher.
    public var segmentsReceived = 0
    /// Events refused at intake (a hash or duration the protocol cannot carry).
    public var segmentsRefused = 0
    /// Segments the storage stage reported lost before they were stored.
    public var gaps = 0
    /// Segments the journal could not record (they reach AliveDB only).
    public var journalFailures = 0
    /// Segments recorded as the first after a break (their push carries the
    /// `AliveDiscontinuity` mark).
    public var discontinuities = 0

    public var aliveDBPushed = 0
    /// Given up after the configured attempts, or refused by AliveDB.
    public var aliveDBFailed = 0
    /// Dropped from the full AliveDB queue (policy `dropOldest`).
    public var aliveDBDropped = 0
    /// After a restart: segments AliveDB already held, not pushed again.
    public var aliveDBAlreadyHeld = 0
    /// After a restart: segments AliveDB held that the journal had not recorded yet (pushed
    /// in the instant before a crash), recorded then so the ledger carries them too.
    public var aliveDBRecovered = 0

    /// The next seq the journal will give out.
    public var nextSeq: Int64?
    /// Highest seq seen on-chain (confirmed).
    public var lastConfirmedSeq: Int64?
    /// The transaction that carried the highest confirmed seq.
    public var lastTransactionID: String?
    public var pushesConfirmed = 0
    /// Network `local`: the newest recorded pushes, each the payload a chain would carry
    /// (at most `recentLocalPushLimit`, oldest first).
    public var recentLocalPushes: [String] = []
    public static let recentLocalPushLimit = 5
    /// Pushes re-signed with the same seq after their transaction expired unseen.
    public var resigned = 0
    /// The end of the stream (op 1) is on-chain.
    public var streamEnded = false
    /// The transaction that ended the stream (op 1), once on-chain.
    public var endTransactionID: String?
    public var endBlock: Int64?
    /// The last problem worth showing (refused transaction, unreachable nodes); nil
    /// once things work again.
    public var lastProblem: String?

    public init() {}
}

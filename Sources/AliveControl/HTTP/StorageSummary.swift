/// What the status shows about the storage stage (absent when no backend is configured).
public struct StorageSummary: Sendable, Encodable {
    public var backend: String
    public var pending: Int
    public var stored: Int
    public var gaps: Int
    public var failedAttempts: Int
    public var slowerThanRealTime: Bool
    /// The newest stored segments: sequence and hash, newest last.
    public var lastStored: [Item]

    public struct Item: Sendable, Encodable {
        public var sequence: UInt64
        public var hash: String

        public init(sequence: UInt64, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    public init(backend: String, pending: Int, stored: Int, gaps: Int, failedAttempts: Int, slowerThanRealTime: Bool, lastStored: [Item]) {
        self.backend = backend
        self.pending = pending
        self.stored = stored
        self.gaps = gaps
        self.failedAttempts = failedAttempts
        self.slowerThanRealTime = slowerThanRealTime
        self.lastStored = lastStored
    }
}

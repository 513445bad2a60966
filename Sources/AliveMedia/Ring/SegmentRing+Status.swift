extension SegmentRing {
    /// The ring as the status document shows it (`ring`).
    public struct Status: Sendable, Equatable, Encodable {
        public struct LastSegment: Sendable, Equatable, Encodable {
            public var sequence: UInt64
            public var durationSeconds: Double
            public var bytes: Int
        }

        public var budgetBytes: Int
        public var bytesInUse: Int
        public var peakBytesInUse: Int
        public var segments: Int
        public var segmentsClosed: UInt64
        /// Dropped from a full ring before every stage was done with them.
        public var segmentsDropped: UInt64
        /// Larger than the whole budget.
        public var segmentsRefused: UInt64
        public var eventsDropped: UInt64
        public var nextSequence: UInt64
        /// The newest segment the live playlist names.
        public var lastSegment: LastSegment?
    }

    public var status: Status {
        let statistics = self.statistics
        let last = playlistSegments().last
        return Status(budgetBytes: statistics.budgetBytes, bytesInUse: statistics.bytesInUse, peakBytesInUse: statistics.peakBytesInUse,
                      segments: statistics.segmentCount, segmentsClosed: statistics.segmentsClosed,
                      segmentsDropped: statistics.segmentsDropped, segmentsRefused: statistics.segmentsRefused,
                      eventsDropped: statistics.eventsDropped, nextSequence: nextSequence,
                      lastSegment: last.map { Status.LastSegment(sequence: $0.sequence, durationSeconds: $0.durationSeconds, bytes: $0.byteCount) })
    }
}

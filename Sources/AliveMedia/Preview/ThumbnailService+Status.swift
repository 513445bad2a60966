extension ThumbnailService {
    /// The thumbnailer as the status document shows it (`thumbnail`).
    public struct Status: Sendable, Equatable, Encodable {
        public var made: UInt64
        public var failures: UInt64
        public var lastError: String?
        /// Of the newest thumbnail; absent before the first.
        public var width: Int?
        public var height: Int?
    }

    public var status: Status {
        let counters = self.counters, latest = latestThumbnail()
        return Status(made: counters.thumbnailsMade, failures: counters.failures, lastError: counters.lastError,
                      width: latest?.width, height: latest?.height)
    }
}

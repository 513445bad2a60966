extension SegmenterPipeline {
    /// The segmenter as the status document shows it (`segmenter`): its counters with the
    /// frames the pipeline's queue dropped at its cap counted in, and what waits in the queue.
    public struct Status: Sendable, Equatable, Encodable {
        public var videoFrames: UInt64
        public var audioFrames: UInt64
        public var framesDropped: UInt64
        public var segmentsProduced: UInt64
        /// Segments cut later than the target: the encoder's keyframe interval does not divide it.
        public var segmentsOverTarget: UInt64
        public var muxerErrors: UInt64
        public var queuedBytes: Int
    }

    /// Waits for the segmenter's queue (so it also proves the queue is moving).
    public func status() async -> Status {
        let counters = await counters()
        return Status(videoFrames: counters.videoFrames, audioFrames: counters.audioFrames,
                      framesDropped: counters.framesDropped + framesDroppedAtCap, segmentsProduced: counters.segmentsProduced,
                      segmentsOverTarget: counters.segmentsOverTarget, muxerErrors: counters.muxerErrors, queuedBytes: queuedBytes)
    }
}

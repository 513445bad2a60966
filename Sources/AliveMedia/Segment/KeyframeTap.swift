/// The video keyframe a segment starts with, as the segmenter saw it: enough to decode
/// that one picture without any other frame.
public struct SegmentKeyframe: Sendable {
    /// H.264 `AVCDecoderConfigurationRecord` in force for this frame (SPS, PPS, NAL length size).
    public var decoderConfiguration: [UInt8]
    /// The keyframe itself: length-prefixed NAL units, source timestamps.
    public var packet: MediaPacket
    /// Where the segment starts on the output timeline (the keyframe's presentation time),
    /// the same value as the closed segment's `startMilliseconds`.
    public var segmentStartMilliseconds: Int64

    public init(decoderConfiguration: [UInt8], packet: MediaPacket, segmentStartMilliseconds: Int64) {
        self.decoderConfiguration = decoderConfiguration
        self.packet = packet
        self.segmentStartMilliseconds = segmentStartMilliseconds
    }
}

/// Receives the first keyframe of every segment the `Segmenter` opens.
///
/// Called on the segmenter's queue, in the middle of cutting: an implementation must only
/// hand the keyframe on (a lock and an enqueue) and return. The bytes are shared, not
/// copied (`ByteBuffer` and arrays are copy-on-write), so the hand-off costs no copy.
public protocol KeyframeTap: Sendable {
    func segmentStarted(with keyframe: SegmentKeyframe)
}

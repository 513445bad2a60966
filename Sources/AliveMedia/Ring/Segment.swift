/// A closed HLS segment as the ring hands it to other stages: an immutable description.
/// The bytes stay in the ring; read them through `SegmentRing.lease(_:)`.
public struct Segment: Sendable, Equatable {
    /// HLS media sequence number: continues across encoder reconnects and restarts of the publish.
    public let sequence: UInt64
    /// Exact duration from media timestamps, in milliseconds.
    public let durationMilliseconds: Int64
    /// Set on the first segment after a join (encoder reconnect, codec change, dropped segment).
    public let discontinuity: Bool
    /// Number of discontinuities up to and including this segment.
    public let discontinuityCount: UInt64
    /// Presentation time of the first frame, milliseconds on the box's continuous output timeline.
    public let startMilliseconds: Int64
    public let byteCount: Int
    public let hasVideo: Bool
    public let hasAudio: Bool

    public init(
        sequence: UInt64, durationMilliseconds: Int64, discontinuity: Bool, discontinuityCount: UInt64,
        startMilliseconds: Int64, byteCount: Int, hasVideo: Bool, hasAudio: Bool
    ) {
        self.sequence = sequence
        self.durationMilliseconds = durationMilliseconds
        self.discontinuity = discontinuity
        self.discontinuityCount = discontinuityCount
        self.startMilliseconds = startMilliseconds
        self.byteCount = byteCount
        self.hasVideo = hasVideo
        self.hasAudio = hasAudio
    }

    /// Duration in seconds as HLS and Alive publish it (`#EXTINF`, `len`): three decimals.
    public var durationSeconds: Double { Double(durationMilliseconds) / 1000 }
}

import NIOCore

/// What an ingest source (RTMP publisher, later a camera) hands the segmenter, in order.
/// Only codecs the segmenter supports get this far: sources refuse others themselves.
public enum MediaInput: Sendable {
    /// A new publish began (first one, or the encoder reconnected): timestamps restart,
    /// the next segment is a join.
    case publishStarted
    /// What the source announced about the stream (RTMP `onMetaData`).
    case metadata(StreamMetadata)
    /// H.264 decoder configuration (`AVCDecoderConfigurationRecord`, the FLV sequence header).
    case videoConfiguration(ByteBuffer)
    /// AAC `AudioSpecificConfig` (the FLV AAC sequence header).
    case audioConfiguration(ByteBuffer)
    case video(MediaPacket)
    case audio(MediaPacket)
    /// The publisher stopped or went away: close the open segment.
    case publishEnded
}

/// One compressed frame. Timestamps are milliseconds on the source's own clock.
public struct MediaPacket: Sendable {
    public var decodeTimestamp: Int64
    /// Presentation minus decode time (H.264 B-frames), milliseconds.
    public var compositionOffset: Int64
    public var isKeyframe: Bool
    /// H.264: length-prefixed NAL units as FLV carries them; AAC: one raw access unit.
    public var data: ByteBuffer

    public init(decodeTimestamp: Int64, compositionOffset: Int64 = 0, isKeyframe: Bool, data: ByteBuffer) {
        self.decodeTimestamp = decodeTimestamp
        self.compositionOffset = compositionOffset
        self.isKeyframe = isKeyframe
        self.data = data
    }

    public var presentationTimestamp: Int64 { decodeTimestamp + compositionOffset }
}

/// The subset of `onMetaData` the box uses (for status and to know which tracks to expect).
public struct StreamMetadata: Sendable, Equatable {
    public var hasVideo: Bool?
    public var hasAudio: Bool?
    public var width: Int?
    public var height: Int?
    public var framesPerSecond: Double?
    public var videoKilobitsPerSecond: Double?
    public var audioKilobitsPerSecond: Double?
    public var encoder: String?

    public init(hasVideo: Bool? = nil, hasAudio: Bool? = nil, width: Int? = nil, height: Int? = nil,
                framesPerSecond: Double? = nil, videoKilobitsPerSecond: Double? = nil,
                audioKilobitsPerSecond: Double? = nil, encoder: String? = nil) {
        self.hasVideo = hasVideo
        self.hasAudio = hasAudio
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.videoKilobitsPerSecond = videoKilobitsPerSecond
        self.audioKilobitsPerSecond = audioKilobitsPerSecond
        self.encoder = encoder
    }
}

/// What the camera source captures and how it encodes it. Built by the box from the
/// `[camera]` table (AliveControl validates it there, with field paths).
public struct CameraConfiguration: Sendable, Equatable {
    /// The libavdevice demuxer the video comes through.
    public enum InputFormat: String, Sendable, CaseIterable {
        /// A V4L2 device node (USB/UVC camera, HDMI dongle, the Pi camera stack).
        case v4l2
        /// A libavfilter source graph (`testsrc2`, `smptebars`): a test pattern, no hardware.
        case lavfi
    }

    /// The libavdevice demuxer the audio comes through.
    public enum AudioInputFormat: String, Sendable, CaseIterable {
        case alsa
        case lavfi
    }

    /// Which H.264 encoder to use when the device does not give H.264 itself.
    public enum EncoderChoice: String, Sendable, CaseIterable {
        /// `h264_v4l2m2m` (the Pi's hardware encoder) when it opens, else `libx264`.
        case auto
        case h264_v4l2m2m
        case libx264
    }

    public var inputFormat = InputFormat.v4l2
    /// v4l2: the device node; lavfi: a source filter (`testsrc2`, size and rate are added
    /// from `width`/`height`/`framesPerSecond` when it has no options) or a whole graph.
    public var device = "/dev/video0"
    /// v4l2 only: `h264` or `mjpeg` (compressed formats), a raw pixel format (`yuyv422`,
    /// `nv12`, …), or nil for the device's default.
    public var pixelFormat: String?
    public var width = 1280
    public var height = 720
    public var framesPerSecond = 30
    public var bitrateKbps = 3000
    /// Frames between keyframes; `framesPerSecond × segment seconds` or a divisor of it,
    /// so segments cut exactly at the target.
    public var keyframeIntervalFrames = 60
    public var encoder = EncoderChoice.auto
    /// nil: no audio track.
    public var audioDevice: String?
    public var audioInputFormat = AudioInputFormat.alsa
    public var audioSampleRate = 48_000
    public var audioChannels = 2
    public var audioBitrateKbps = 128
    /// A missing, busy or unplugged device is tried again after this long.
    public var retrySeconds = 3
    /// Captured frames waiting for the encoder; more are dropped (counted), never queued.
    public var frameQueueDepth = 8
    /// lavfi only: deliver frames at their own pace (a real camera does); false runs the
    /// test pattern as fast as the encoder can go (benchmarks).
    public var realTime = true

    public init() {}

    /// The keyframe interval as a duration on the source's millisecond clock.
    public var keyframeIntervalMilliseconds: Int64 {
        Int64(keyframeIntervalFrames) * 1000 / Int64(max(framesPerSecond, 1))
    }
}

import AliveMedia

extension BoxConfiguration {
    /// Where the box's media comes from.
    public enum IngestSource: String, Sendable, CaseIterable {
        /// An encoder pushes RTMP (the default).
        case rtmp
        /// A local camera or a lavfi test pattern (`[camera]`).
        case camera
    }

    /// The `[camera]` table: used when `ingest.source = "camera"`.
    public struct Camera: Sendable, Equatable {
        /// The camera stage's own defaults, written once (`CameraConfiguration`).
        private static let stage = CameraConfiguration()

        public var inputFormat = stage.inputFormat
        public var device = stage.device
        /// v4l2: `h264`, `mjpeg` or a raw pixel format (`yuyv422`, `nv12`); "" is the device's default.
        public var pixelFormat = stage.pixelFormat ?? ""
        public var width = stage.width
        public var height = stage.height
        public var framesPerSecond = stage.framesPerSecond
        public var bitrateKbps = stage.bitrateKbps
        /// 0: frames per second × `segments.seconds`; otherwise it must divide that.
        public var keyframeIntervalFrames = 0
        public var encoder = stage.encoder
        /// "": no audio.
        public var audioDevice = stage.audioDevice ?? ""
        public var audioInputFormat = stage.audioInputFormat
        public var audioSampleRate = stage.audioSampleRate
        public var audioChannels = stage.audioChannels
        public var audioBitrateKbps = stage.audioBitrateKbps
        public var retrySeconds = stage.retrySeconds
        public var frameQueueDepth = stage.frameQueueDepth
        public var realTime = stage.realTime
    }

    /// The camera settings for AliveMedia, with the keyframe interval derived from the
    /// segment length when it is not set.
    public var cameraConfiguration: CameraConfiguration {
        var out = CameraConfiguration()
        out.inputFormat = camera.inputFormat
        out.device = camera.device
        out.pixelFormat = camera.pixelFormat.isEmpty ? nil : camera.pixelFormat
        out.width = camera.width
        out.height = camera.height
        out.framesPerSecond = camera.framesPerSecond
        out.bitrateKbps = camera.bitrateKbps
        out.keyframeIntervalFrames = camera.keyframeIntervalFrames > 0 ? camera.keyframeIntervalFrames : camera.framesPerSecond * segments.seconds
        out.encoder = camera.encoder
        out.audioDevice = camera.audioDevice.isEmpty ? nil : camera.audioDevice
        out.audioInputFormat = camera.audioInputFormat
        out.audioSampleRate = camera.audioSampleRate
        out.audioChannels = camera.audioChannels
        out.audioBitrateKbps = camera.audioBitrateKbps
        out.retrySeconds = camera.retrySeconds
        out.frameQueueDepth = camera.frameQueueDepth
        out.realTime = camera.realTime
        return out
    }

    static let aacSampleRates: Set<Int> = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000]

    /// The `[camera]` checks (run whatever the source, so a saved camera setup stays valid).
    func validateCamera(_ check: (Bool, String, String) -> Void) {
        check(!camera.device.isEmpty && camera.device.count <= 512, "camera.device", "must be a device path (v4l2) or a filter graph (lavfi)")
        if camera.inputFormat == .v4l2 {
            check(camera.device.hasPrefix("/dev/"), "camera.device", "must be a device node under /dev/ for input_format \"v4l2\"")
        }
        check(camera.pixelFormat.count <= 32 && camera.pixelFormat.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") },
              "camera.pixel_format", "must be empty, h264, mjpeg or a pixel format name such as yuyv422")
        check(camera.inputFormat == .v4l2 || camera.pixelFormat.isEmpty, "camera.pixel_format", "applies to input_format \"v4l2\" only")
        check((16...4096).contains(camera.width) && camera.width % 2 == 0, "camera.width", "must be an even number 16...4096")
        check((16...2304).contains(camera.height) && camera.height % 2 == 0, "camera.height", "must be an even number 16...2304")
        check((1...120).contains(camera.framesPerSecond), "camera.frames_per_second", "must be 1...120")
        check((100...50_000).contains(camera.bitrateKbps), "camera.bitrate_kbps", "must be 100...50000")
        let perSegment = camera.framesPerSecond * segments.seconds
        if camera.keyframeIntervalFrames != 0 {
            check(camera.keyframeIntervalFrames > 0 && perSegment > 0 && perSegment % camera.keyframeIntervalFrames == 0, "camera.keyframe_interval_frames",
                  "must divide frames_per_second × segments.seconds (\(perSegment)) so segments cut exactly, or be 0 to use \(perSegment)")
        }
        check(camera.audioDevice.count <= 512, "camera.audio_device", "must be at most 512 characters")
        check(Self.aacSampleRates.contains(camera.audioSampleRate), "camera.audio_sample_rate", "must be a rate AAC carries, e.g. 44100 or 48000")
        check((1...2).contains(camera.audioChannels), "camera.audio_channels", "must be 1 or 2")
        check((32...320).contains(camera.audioBitrateKbps), "camera.audio_bitrate_kbps", "must be 32...320")
        check((1...60).contains(camera.retrySeconds), "camera.retry_seconds", "must be 1...60")
        check((2...64).contains(camera.frameQueueDepth), "camera.frame_queue_depth", "must be 2...64")
    }

    var cameraTree: ConfigValue {
        .table([
            "input_format": .string(camera.inputFormat.rawValue),
            "device": .string(camera.device),
            "pixel_format": .string(camera.pixelFormat),
            "width": .integer(camera.width),
            "height": .integer(camera.height),
            "frames_per_second": .integer(camera.framesPerSecond),
            "bitrate_kbps": .integer(camera.bitrateKbps),
            "keyframe_interval_frames": .integer(camera.keyframeIntervalFrames),
            "encoder": .string(camera.encoder.rawValue),
            "audio_device": .string(camera.audioDevice),
            "audio_input_format": .string(camera.audioInputFormat.rawValue),
            "audio_sample_rate": .integer(camera.audioSampleRate),
            "audio_channels": .integer(camera.audioChannels),
            "audio_bitrate_kbps": .integer(camera.audioBitrateKbps),
            "retry_seconds": .integer(camera.retrySeconds),
            "frame_queue_depth": .integer(camera.frameQueueDepth),
            "real_time": .boolean(camera.realTime),
        ])
    }
}

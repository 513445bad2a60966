/// What libavdevice is asked to open: demuxer name, URL and demuxer options, built from
/// the configuration without touching a device (unit-tested for every input format).
public struct CaptureArguments: Sendable, Equatable {
    /// The demuxer (`v4l2`, `lavfi`, `alsa`).
    public var format: String
    /// The device node, filter graph or ALSA device name.
    public var url: String
    /// Demuxer options in the order they are set (`video_size`, `framerate`, …).
    public var options: [(String, String)]

    public init(format: String, url: String, options: [(String, String)]) {
        self.format = format
        self.url = url
        self.options = options
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.format == rhs.format && lhs.url == rhs.url && lhs.options.elementsEqual(rhs.options, by: { $0 == $1 })
    }

    /// Compressed formats a V4L2 device can deliver (the `input_format` option);
    /// everything else is a raw pixel format (`pixel_format`).
    static let compressedV4L2Formats: Set<String> = ["h264", "mjpeg"]

    /// The video input.
    public static func video(_ configuration: CameraConfiguration) -> CaptureArguments {
        switch configuration.inputFormat {
        case .v4l2:
            var options: [(String, String)] = [
                ("video_size", "\(configuration.width)x\(configuration.height)"),
                ("framerate", "\(configuration.framesPerSecond)"),
            ]
            if let pixel = configuration.pixelFormat, !pixel.isEmpty {
                options.append((compressedV4L2Formats.contains(pixel) ? "input_format" : "pixel_format", pixel))
            }
            return CaptureArguments(format: "v4l2", url: configuration.device, options: options)
        case .lavfi:
            var graph = configuration.device
            if !graph.contains("=") && !graph.contains(",") && !graph.contains(";") {
                graph += "=size=\(configuration.width)x\(configuration.height):rate=\(configuration.framesPerSecond)"
            }
            return CaptureArguments(format: "lavfi", url: graph, options: [])
        }
    }

    /// The audio input, nil without `audioDevice`.
    public static func audio(_ configuration: CameraConfiguration) -> CaptureArguments? {
        guard let device = configuration.audioDevice, !device.isEmpty else { return nil }
        switch configuration.audioInputFormat {
        case .alsa:
            return CaptureArguments(format: "alsa", url: device, options: [
                ("sample_rate", "\(configuration.audioSampleRate)"),
                ("channels", "\(configuration.audioChannels)"),
            ])
        case .lavfi:
            // One source filter (`sine`, `sine=frequency=1000`) gets the configured rate;
            // a whole graph is taken as written.
            var graph = device
            if !graph.contains(",") && !graph.contains(";") && !graph.contains("sample_rate=") {
                graph += (graph.contains("=") ? ":" : "=") + "sample_rate=\(configuration.audioSampleRate)"
            }
            return CaptureArguments(format: "lavfi", url: graph, options: [])
        }
    }
}

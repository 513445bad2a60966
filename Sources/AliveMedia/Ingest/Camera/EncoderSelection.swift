/// Which H.264 encoder the camera source opens: the configured one, or for `auto` the
/// hardware encoder first and libx264 when it is absent or does not open. What was tried
/// and why it was passed over is kept for status and the log.
struct EncoderSelection {
    static func candidates(for choice: CameraConfiguration.EncoderChoice) -> [String] {
        switch choice {
        case .auto: ["h264_v4l2m2m", "libx264"]
        case .h264_v4l2m2m: ["h264_v4l2m2m"]
        case .libx264: ["libx264"]
        }
    }

    /// Opens the first candidate that works with `open`; `passedOver` names the ones that
    /// did not, with the reason (e.g. "h264_v4l2m2m: no V4L2 memory-to-memory device").
    static func open<Encoder>(_ choice: CameraConfiguration.EncoderChoice,
                              _ open: (String) throws -> Encoder) throws -> (encoder: Encoder, passedOver: [String]) {
        var passedOver: [String] = []
        for name in candidates(for: choice) {
            do {
                return (try open(name), passedOver)
            } catch {
                passedOver.append("\(name): \(error)")
            }
        }
        throw CameraError.encoderUnavailable(passedOver.joined(separator: "; "))
    }
}

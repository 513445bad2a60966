/// Why the camera source is not capturing. A struct over a private code (new cases never
/// break callers); libav's numeric codes stay in the wrappers, what is kept of a libav
/// failure is the call that failed and libav's own message.
public struct CameraError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case deviceUnavailable(device: String, reason: String)
        case deviceLost(device: String, reason: String)
        case noVideoStream(String)
        case unsupportedInput(String)
        case encoderUnavailable(String)
        case encodeFailed(String)
        case audioFailed(String)
        case libraryUnavailable(library: String, reason: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The device could not be opened (missing, busy, no permission, bad options).
    public static func deviceUnavailable(_ device: String, reason: String) -> Self { Self(.deviceUnavailable(device: device, reason: reason)) }
    /// The device stopped delivering mid-stream (unplugged, driver error).
    public static func deviceLost(_ device: String, reason: String) -> Self { Self(.deviceLost(device: device, reason: reason)) }
    /// The input opened but carries no video.
    public static func noVideoStream(_ device: String) -> Self { Self(.noVideoStream(device)) }
    /// The device delivers something the source cannot decode or pass through.
    public static func unsupportedInput(_ reason: String) -> Self { Self(.unsupportedInput(reason)) }
    /// No H.264 encoder would open.
    public static func encoderUnavailable(_ reason: String) -> Self { Self(.encoderUnavailable(reason)) }
    /// Decoding, converting or encoding a frame failed.
    public static func encodeFailed(_ reason: String) -> Self { Self(.encodeFailed(reason)) }
    /// The audio input or its AAC encoder failed.
    public static func audioFailed(_ reason: String) -> Self { Self(.audioFailed(reason)) }
    /// The capture library (libavdevice, loaded only for the camera) is not installed or
    /// does not load.
    public static func libraryUnavailable(_ library: String, reason: String) -> Self { Self(.libraryUnavailable(library: library, reason: reason)) }

    public var description: String {
        switch code {
        case .deviceUnavailable(let device, let reason): "camera device \(device) cannot be opened: \(reason)"
        case .deviceLost(let device, let reason): "camera device \(device) stopped delivering: \(reason)"
        case .noVideoStream(let device): "camera device \(device) has no video stream"
        case .unsupportedInput(let reason): "camera input not supported: \(reason)"
        case .encoderUnavailable(let reason): "no H.264 encoder available: \(reason)"
        case .encodeFailed(let reason): "camera encoding failed: \(reason)"
        case .audioFailed(let reason): "camera audio failed: \(reason)"
        case .libraryUnavailable(let library, let reason): "camera capture library \(library) cannot be loaded (is libavdevice installed?): \(reason)"
        }
    }

    /// Same failure, whatever libav said about it.
    public var isDeviceUnavailable: Bool { if case .deviceUnavailable = code { true } else { false } }
    public var isDeviceLost: Bool { if case .deviceLost = code { true } else { false } }
    public var isLibraryUnavailable: Bool { if case .libraryUnavailable = code { true } else { false } }
}

import Foundation

/// What the control plane shows about the camera source.
public struct CameraStatus: Sendable, Equatable, Encodable {
    public enum State: String, Sendable, Encodable {
        /// Not started yet.
        case idle
        /// Opening the device and the encoder.
        case starting
        case capturing
        /// The device is missing, busy or was lost: waiting `retrySeconds` to try again.
        case retrying
        case stopped
    }

    public var state = State.idle
    public var inputFormat: String
    public var device: String
    public var audioDevice: String?
    /// `libx264`, `h264_v4l2m2m`, or `passthrough` (the device gives H.264 itself).
    public var encoder: String?
    /// Encoders passed over and why (e.g. `h264_v4l2m2m: … no device`).
    public var encoderNote: String?
    /// What the device delivers (`rawvideo yuv420p`, `mjpeg`, `h264`).
    public var captureFormat: String?
    public var width: Int?
    public var height: Int?
    public var framesPerSecond: Int
    public var framesCaptured: UInt64 = 0
    public var framesEncoded: UInt64 = 0
    /// Frames the fixed-depth queue dropped because the encoder was behind.
    public var framesDropped: UInt64 = 0
    public var audioFrames: UInt64 = 0
    /// Capture sessions started (the first, and every resume after a loss).
    public var sessions: UInt64 = 0
    public var lastError: String?
    public var lastErrorAt: Date?
    public var retrySeconds: Int

    public init(configuration: CameraConfiguration) {
        inputFormat = configuration.inputFormat.rawValue
        device = configuration.device
        audioDevice = configuration.audioDevice
        framesPerSecond = configuration.framesPerSecond
        retrySeconds = configuration.retrySeconds
    }
}

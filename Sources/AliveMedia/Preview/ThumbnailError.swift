/// Why a keyframe did not become a thumbnail.
///
/// A struct over a private code (new cases never break callers); compare against the
/// static factories or show `description`. libav's numeric codes never leave the wrappers:
/// what is kept of a libav failure is the call that failed and libav's own message.
public struct ThumbnailError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case notAKeyframe
        case invalidDecoderConfiguration(String)
        case decodeFailed(String)
        case noPicture
        case scaleFailed(String)
        case encodeFailed(String)
        case closed
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// The packet handed in is not marked as a keyframe: it cannot be decoded alone.
    public static var notAKeyframe: Self { Self(.notAKeyframe) }
    /// The H.264 decoder refused the `AVCDecoderConfigurationRecord` (or it is not one).
    public static func invalidDecoderConfiguration(_ reason: String) -> Self { Self(.invalidDecoderConfiguration(reason)) }
    /// The decoder refused the keyframe's bytes, or decoded them with errors.
    public static func decodeFailed(_ reason: String) -> Self { Self(.decodeFailed(reason)) }
    /// The decoder took the keyframe but produced no picture from it.
    public static var noPicture: Self { Self(.noPicture) }
    /// Converting the picture to the thumbnail's size and pixel format failed.
    public static func scaleFailed(_ reason: String) -> Self { Self(.scaleFailed(reason)) }
    /// The MJPEG encoder failed.
    public static func encodeFailed(_ reason: String) -> Self { Self(.encodeFailed(reason)) }
    /// The thumbnailer was closed.
    public static var closed: Self { Self(.closed) }

    public var description: String {
        switch code {
        case .notAKeyframe: "the packet is not a keyframe"
        case .invalidDecoderConfiguration(let reason): "invalid H.264 decoder configuration: \(reason)"
        case .decodeFailed(let reason): "the keyframe did not decode: \(reason)"
        case .noPicture: "the keyframe decoded to no picture"
        case .scaleFailed(let reason): "scaling the picture failed: \(reason)"
        case .encodeFailed(let reason): "JPEG encoding failed: \(reason)"
        case .closed: "the thumbnailer is closed"
        }
    }

    /// Same failure, whatever libav said about it (for tests and counters by kind).
    public func isSameKind(as other: ThumbnailError) -> Bool {
        switch (code, other.code) {
        case (.notAKeyframe, .notAKeyframe), (.invalidDecoderConfiguration, .invalidDecoderConfiguration),
             (.decodeFailed, .decodeFailed), (.noPicture, .noPicture), (.scaleFailed, .scaleFailed),
             (.encodeFailed, .encodeFailed), (.closed, .closed): true
        default: false
        }
    }
}

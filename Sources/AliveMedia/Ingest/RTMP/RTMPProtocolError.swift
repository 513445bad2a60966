/// Every way an RTMP peer's bytes can be rejected: chunk stream, AMF0, handshake and FLV tags.
///
/// A struct over a private code so that new cases can be added without breaking callers;
/// callers compare against the static factories (`error == .tooManyChunkStreams(limit: 32)`)
/// or show `description`, which never contains payload bytes (a stream key could be in them).
public struct RTMPProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case chunkSizeOutOfRange(Int, limit: Int)
        case messageTooLong(Int, limit: Int)
        case tooManyChunkStreams(limit: Int)
        case tooManyBufferedBytes(Int, limit: Int)
        case chunkStreamNotStarted(chunkStreamID: UInt32, format: UInt8)
        case messageHeaderInsideMessage(chunkStreamID: UInt32, format: UInt8)
        case malformedControlMessage(type: UInt8, reason: String)
        case decoderFailedEarlier
        case malformedAMF(String)
        case unsupportedAMFType(marker: UInt8, reason: String)
        case amfTooDeep(limit: Int)
        case amfTooManyItems(limit: Int)
        case unsupportedHandshakeVersion(UInt8)
        case malformedFLVTag(String)
        case unsupportedFLVTag(String)
        case malformedCommand(String)
        case commandOutOfOrder(String)
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    // MARK: chunk stream

    /// Set Chunk Size carried 0, a value with the reserved top bit set, or a value above the limit.
    public static func chunkSizeOutOfRange(_ size: Int, limit: Int) -> Self { Self(.chunkSizeOutOfRange(size, limit: limit)) }
    /// A message header announced a message longer than `RTMPLimits.maxMessageLength`.
    public static func messageTooLong(_ length: Int, limit: Int) -> Self { Self(.messageTooLong(length, limit: limit)) }
    /// A chunk arrived on a new chunk stream id while `RTMPLimits.maxChunkStreams` ids already have state.
    public static func tooManyChunkStreams(limit: Int) -> Self { Self(.tooManyChunkStreams(limit: limit)) }
    /// Starting this message would make the partially assembled messages exceed `RTMPLimits.maxBufferedBytes`.
    public static func tooManyBufferedBytes(_ bytes: Int, limit: Int) -> Self { Self(.tooManyBufferedBytes(bytes, limit: limit)) }
    /// A compressed header (fmt 1, 2 or 3) arrived on a chunk stream that never had a fmt 0 header.
    public static func chunkStreamNotStarted(chunkStreamID: UInt32, format: UInt8) -> Self {
        Self(.chunkStreamNotStarted(chunkStreamID: chunkStreamID, format: format))
    }
    /// A fmt 0, 1 or 2 header arrived on a chunk stream whose current message is not complete.
    public static func messageHeaderInsideMessage(chunkStreamID: UInt32, format: UInt8) -> Self {
        Self(.messageHeaderInsideMessage(chunkStreamID: chunkStreamID, format: format))
    }
    /// A protocol control message the decoder applies itself (Set Chunk Size, Abort) is malformed.
    public static func malformedControlMessage(type: UInt8, reason: String) -> Self {
        Self(.malformedControlMessage(type: type, reason: reason))
    }
    /// The decoder was used again after it threw; the connection should have been closed.
    public static var decoderFailedEarlier: Self { Self(.decoderFailedEarlier) }

    // MARK: AMF0

    /// AMF0 bytes that do not follow the specification (truncated, bad UTF-8, bad marker).
    public static func malformedAMF(_ reason: String) -> Self { Self(.malformedAMF(reason)) }
    /// A valid AMF0 marker for a type this decoder deliberately does not support.
    public static func unsupportedAMFType(marker: UInt8, reason: String) -> Self {
        Self(.unsupportedAMFType(marker: marker, reason: reason))
    }
    /// Objects / arrays nested deeper than `RTMPLimits.maxAMFDepth`.
    public static func amfTooDeep(limit: Int) -> Self { Self(.amfTooDeep(limit: limit)) }
    /// More values than `RTMPLimits.maxAMFItems` in one decode call.
    public static func amfTooManyItems(limit: Int) -> Self { Self(.amfTooManyItems(limit: limit)) }

    // MARK: handshake

    /// C0 carried a version other than 3 (6 is encrypted RTMPE, which is not supported).
    public static func unsupportedHandshakeVersion(_ version: UInt8) -> Self { Self(.unsupportedHandshakeVersion(version)) }

    // MARK: FLV tags

    /// An audio or video payload too short for the header its first byte announces.
    public static func malformedFLVTag(_ reason: String) -> Self { Self(.malformedFLVTag(reason)) }
    /// A well-formed FLV tag using a feature this parser does not support (e.g. multitrack).
    public static func unsupportedFLVTag(_ reason: String) -> Self { Self(.unsupportedFLVTag(reason)) }

    // MARK: commands (RTMPPublishSession)

    /// A command or control message without what it must carry (a name, a stream name, its bytes).
    public static func malformedCommand(_ reason: String) -> Self { Self(.malformedCommand(reason)) }
    /// A command the session's state does not allow (a second connect, anything before connect).
    public static func commandOutOfOrder(_ reason: String) -> Self { Self(.commandOutOfOrder(reason)) }

    /// Well-formed input using a feature the box does not support (as opposed to malformed input).
    public var isUnsupported: Bool {
        switch code {
        case .unsupportedFLVTag, .unsupportedAMFType, .unsupportedHandshakeVersion: return true
        default: return false
        }
    }

    public var description: String {
        switch code {
        case .chunkSizeOutOfRange(let size, let limit):
            return "RTMP Set Chunk Size \(size) is out of range (1...\(limit))"
        case .messageTooLong(let length, let limit):
            return "RTMP message of \(length) bytes exceeds the limit of \(limit) bytes"
        case .tooManyChunkStreams(let limit):
            return "RTMP peer uses more than \(limit) chunk streams"
        case .tooManyBufferedBytes(let bytes, let limit):
            return "RTMP partially received messages would hold \(bytes) bytes, over the limit of \(limit) bytes"
        case .chunkStreamNotStarted(let csid, let format):
            return "RTMP chunk with header format \(format) on chunk stream \(csid), which never had a full (format 0) header"
        case .messageHeaderInsideMessage(let csid, let format):
            return "RTMP chunk with header format \(format) on chunk stream \(csid) while a message there is incomplete"
        case .malformedControlMessage(let type, let reason):
            return "RTMP protocol control message (type \(type)) is malformed: \(reason)"
        case .decoderFailedEarlier:
            return "RTMP chunk decoder used after it reported an error"
        case .malformedAMF(let reason):
            return "malformed AMF0 data: \(reason)"
        case .unsupportedAMFType(let marker, let reason):
            return "unsupported AMF0 type marker 0x\(String(marker, radix: 16)): \(reason)"
        case .amfTooDeep(let limit):
            return "AMF0 data nests objects deeper than \(limit) levels"
        case .amfTooManyItems(let limit):
            return "AMF0 data holds more than \(limit) values"
        case .unsupportedHandshakeVersion(let version):
            if version == 6 {
                return "RTMP handshake version 6 (encrypted RTMPE) is not supported"
            }
            return "RTMP handshake version \(version) is not supported (expected 3)"
        case .malformedFLVTag(let reason):
            return "malformed FLV tag: \(reason)"
        case .unsupportedFLVTag(let reason):
            return "unsupported FLV tag: \(reason)"
        case .malformedCommand(let reason), .commandOutOfOrder(let reason):
            return reason
        }
    }
}

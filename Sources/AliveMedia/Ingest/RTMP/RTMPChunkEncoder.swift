import NIOCore

/// Splits outgoing RTMP messages into chunks (RTMP 1.0, 5.3).
///
/// Every message starts with a format 0 header and continues with format 3 chunks; when the
/// timestamp needs the extended field, every chunk repeats it (as ffmpeg and librtmp expect).
/// The encoder keeps no header-compression state, so messages may be written in any order.
public struct RTMPChunkEncoder: Sendable {
    /// Outgoing chunk size, 128 until changed. Send `RTMPMessage.setChunkSize(_:)` with the
    /// old size first, then change this.
    public var chunkSize: Int = RTMPChunkHeader.defaultChunkSize

    public init() {}

    /// Appends the chunks of `message` to `buffer`.
    ///
    /// - Precondition: `chunkSize` is positive, the chunk stream id is in 2...65_599 and the
    ///   payload is shorter than 2^24 bytes (the message length field has 24 bits).
    public func write(_ message: RTMPMessage, into buffer: inout ByteBuffer) {
        precondition(chunkSize > 0, "RTMP chunk size must be positive")
        let length = message.payload.readableBytes
        precondition(length <= RTMPChunkHeader.maxEncodableMessageLength, "RTMP message of \(length) bytes is too long to encode")
        let extended = message.timestamp >= RTMPChunkHeader.extendedTimestampMarker

        RTMPChunkHeader.writeBasicHeader(format: 0, chunkStreamID: message.chunkStreamID, into: &buffer)
        buffer.writeUInt24(extended ? RTMPChunkHeader.extendedTimestampMarker : message.timestamp)
        buffer.writeUInt24(UInt32(length))
        buffer.writeInteger(message.typeID)
        buffer.writeInteger(message.messageStreamID, endianness: .little)
        if extended {
            buffer.writeInteger(message.timestamp)
        }

        var payload = message.payload
        var isFirstChunk = true
        repeat {
            if !isFirstChunk {
                RTMPChunkHeader.writeBasicHeader(format: 3, chunkStreamID: message.chunkStreamID, into: &buffer)
                if extended {
                    buffer.writeInteger(message.timestamp)
                }
            }
            var chunk = payload.readSlice(length: min(chunkSize, payload.readableBytes))!
            buffer.writeBuffer(&chunk)
            isFirstChunk = false
        } while payload.readableBytes > 0
    }
}

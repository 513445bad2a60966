import NIOCore

/// Wire-format constants and primitives of the RTMP chunk header (RTMP 1.0, 5.3.1),
/// shared by `RTMPChunkDecoder` and `RTMPChunkEncoder`.
///
/// A chunk header is a basic header (1, 2 or 3 bytes: 2-bit format + chunk stream id),
/// a message header of 11 (fmt 0), 7 (fmt 1), 3 (fmt 2) or 0 (fmt 3) bytes, and an
/// optional 4-byte extended timestamp.
enum RTMPChunkHeader {
    /// Chunk size both sides use until a Set Chunk Size message says otherwise.
    static let defaultChunkSize = 128
    /// A 24-bit timestamp field with this value means "the real value follows in 4 extra bytes".
    static let extendedTimestampMarker: UInt32 = 0xFF_FFFF
    /// Chunk stream ids 0 and 1 are escape codes of the basic header; 65_599 is the largest 3-byte form.
    static let chunkStreamIDRange: ClosedRange<UInt32> = 2...65_599
    /// Largest message length the 24-bit length field can carry.
    static let maxEncodableMessageLength = 0xFF_FFFF

    /// Size of the message header for each format 0...3.
    static func messageHeaderSize(format: UInt8) -> Int {
        switch format {
        case 0: return 11
        case 1: return 7
        case 2: return 3
        default: return 0
        }
    }

    static func writeBasicHeader(format: UInt8, chunkStreamID: UInt32, into buffer: inout ByteBuffer) {
        precondition(chunkStreamIDRange.contains(chunkStreamID), "chunk stream id \(chunkStreamID) outside 2...65599")
        let high = format << 6
        switch chunkStreamID {
        case 2...63:
            buffer.writeInteger(high | UInt8(chunkStreamID))
        case 64...319:
            buffer.writeInteger(high)
            buffer.writeInteger(UInt8(chunkStreamID - 64))
        default:
            let value = chunkStreamID - 64
            buffer.writeInteger(high | 1)
            buffer.writeInteger(UInt8(value & 0xFF))
            buffer.writeInteger(UInt8(value >> 8))
        }
    }
}

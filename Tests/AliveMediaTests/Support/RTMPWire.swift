import AliveTestSupport
import NIOCore
@testable import AliveMedia

/// Hand-written RTMP chunk bytes, built straight from the specification's field layout
/// (RTMP 1.0, 5.3.1) so decoder tests do not depend on `RTMPChunkEncoder`.
enum RTMPWire {
    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be24(_ value: UInt32) -> [UInt8] { [UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
    static func le32(_ value: UInt32) -> [UInt8] { be32(value).reversed() }

    static func basicHeader(format: UInt8, chunkStreamID: UInt32) -> [UInt8] {
        let high = format << 6
        if chunkStreamID < 64 { return [high | UInt8(chunkStreamID)] }
        if chunkStreamID < 320 { return [high, UInt8(chunkStreamID - 64)] }
        let value = chunkStreamID - 64
        return [high | 1, UInt8(value & 0xFF), UInt8(value >> 8)]
    }

    /// Format 0 header; a timestamp of 0xFFFFFF or more goes to the extended field.
    static func type0(csid: UInt32, timestamp: UInt32, length: Int, type: UInt8, streamID: UInt32) -> [UInt8] {
        let extended = timestamp >= 0xFF_FFFF
        return basicHeader(format: 0, chunkStreamID: csid)
            + be24(extended ? 0xFF_FFFF : timestamp) + be24(UInt32(length)) + [type] + le32(streamID)
            + (extended ? be32(timestamp) : [])
    }

    static func type1(csid: UInt32, delta: UInt32, length: Int, type: UInt8) -> [UInt8] {
        let extended = delta >= 0xFF_FFFF
        return basicHeader(format: 1, chunkStreamID: csid)
            + be24(extended ? 0xFF_FFFF : delta) + be24(UInt32(length)) + [type]
            + (extended ? be32(delta) : [])
    }

    static func type2(csid: UInt32, delta: UInt32) -> [UInt8] {
        let extended = delta >= 0xFF_FFFF
        return basicHeader(format: 2, chunkStreamID: csid) + be24(extended ? 0xFF_FFFF : delta) + (extended ? be32(delta) : [])
    }

    static func type3(csid: UInt32, extendedTimestamp: UInt32? = nil) -> [UInt8] {
        basicHeader(format: 3, chunkStreamID: csid) + (extendedTimestamp.map(be32) ?? [])
    }

    /// A protocol control message (csid 2, stream 0) in one chunk.
    static func control(type: UInt8, payload: [UInt8]) -> [UInt8] {
        type0(csid: 2, timestamp: 0, length: payload.count, type: type, streamID: 0) + payload
    }

    static func payload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed) &* 31) }
    }
}

extension ByteBuffer {
    /// The readable bytes, for comparisons in expectations.
    var bytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}

extension RTMPChunkDecoder {
    /// Feeds `pieces` one after another into a cumulation buffer, as a channel handler would,
    /// and collects every message.
    mutating func decode(pieces: [[UInt8]]) throws -> [RTMPMessage] {
        var pending = ByteBuffer()
        var messages: [RTMPMessage] = []
        for piece in pieces {
            pending.writeBytes(piece)
            while let message = try next(from: &pending) {
                messages.append(message)
            }
        }
        return messages
    }

    mutating func decode(_ bytes: [UInt8]) throws -> [RTMPMessage] {
        try decode(pieces: [bytes])
    }
}

extension RTMPMessage {
    init(csid: UInt32, type: UInt8, streamID: UInt32, timestamp: UInt32, payload: [UInt8]) {
        self.init(chunkStreamID: csid, typeID: type, messageStreamID: streamID, timestamp: timestamp, payload: ByteBuffer(bytes: payload))
    }
}

/// Splits `bytes` into pieces at random boundaries (including empty pieces).
func randomPieces(_ bytes: [UInt8], maxPiece: Int, using random: inout SeededRandom) -> [[UInt8]] {
    var pieces: [[UInt8]] = []
    var index = 0
    while index < bytes.count {
        let count = Int.random(in: 0...maxPiece, using: &random)
        let end = min(bytes.count, index + count)
        pieces.append(Array(bytes[index..<end]))
        index = end
    }
    return pieces
}

/// Concatenates byte arrays and slices listed one per line; keeps long chunk-stream literals
/// readable and quick to type-check (a chain of `+` over arrays and slices is not).
@resultBuilder
enum BytesBuilder {
    static func buildExpression(_ bytes: [UInt8]) -> [UInt8] { bytes }
    static func buildExpression(_ bytes: ArraySlice<UInt8>) -> [UInt8] { Array(bytes) }
    static func buildBlock(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }
    static func buildArray(_ parts: [[UInt8]]) -> [UInt8] { parts.flatMap { $0 } }
}

extension RTMPWire {
    static func bytes(@BytesBuilder _ parts: () -> [UInt8]) -> [UInt8] { parts() }
}

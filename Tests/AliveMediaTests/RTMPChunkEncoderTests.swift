import NIOCore
import Testing
@testable import AliveMedia

private typealias W = RTMPWire

@Suite("RTMPChunkEncoder")
struct RTMPChunkEncoderTests {
    private func encode(_ message: RTMPMessage, chunkSize: Int = 128) -> [UInt8] {
        var encoder = RTMPChunkEncoder()
        encoder.chunkSize = chunkSize
        var buffer = ByteBuffer()
        encoder.write(message, into: &buffer)
        return buffer.bytes
    }

    @Test("a short message is one format 0 chunk with exact header bytes")
    func singleChunk() {
        let message = RTMPMessage(csid: 3, type: 20, streamID: 1, timestamp: 0x0A0B0C, payload: [0xAA, 0xBB])
        #expect(encode(message) == [
            0x03,  // fmt 0, csid 3
            0x0A, 0x0B, 0x0C,  // timestamp
            0x00, 0x00, 0x02,  // length
            20,  // type
            0x01, 0x00, 0x00, 0x00,  // message stream id, little-endian
            0xAA, 0xBB,
        ])
    }

    @Test("longer messages continue in format 3 chunks of the chunk size")
    func continuationChunks() {
        let payload = W.payload(300)
        let message = RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 5, payload: payload)
        let expected = W.bytes {
            W.type0(csid: 6, timestamp: 5, length: 300, type: 9, streamID: 1)
            payload[0..<128]
            [0xC6]
            payload[128..<256]
            [0xC6]
            payload[256...]
        }
        #expect(encode(message) == expected)
    }

    @Test("an exact multiple of the chunk size has no empty trailing chunk")
    func exactMultiple() {
        let payload = W.payload(256)
        let bytes = encode(RTMPMessage(csid: 4, type: 8, streamID: 1, timestamp: 0, payload: payload))
        #expect(bytes.count == 12 + 256 + 1)
    }

    @Test("an empty message is a lone format 0 header")
    func emptyMessage() {
        #expect(encode(RTMPMessage(csid: 3, type: 20, streamID: 0, timestamp: 0, payload: [])).count == 12)
    }

    static let basicHeaderCases: [(UInt32, [UInt8])] = [
        (64, [0x00, 0x00]), (319, [0x00, 0xFF]), (320, [0x01, 0x00, 0x01]), (65_599, [0x01, 0xFF, 0xFF]),
    ]

    @Test("2- and 3-byte basic headers", arguments: basicHeaderCases)
    func basicHeaders(csid: UInt32, header: [UInt8]) {
        let payload = W.payload(130)
        let bytes = encode(RTMPMessage(csid: csid, type: 9, streamID: 1, timestamp: 0, payload: payload))
        #expect(Array(bytes.prefix(header.count)) == header)
        // the continuation chunk repeats the basic header with format 3
        let continuation = header.count + 11 + 128
        var format3 = header
        format3[0] |= 0xC0
        #expect(Array(bytes[continuation..<(continuation + header.count)]) == format3)
    }

    @Test("timestamps from 0xFFFFFF on use the extended field, repeated on every continuation chunk")
    func extendedTimestamp() {
        let payload = W.payload(200)
        let bytes = encode(RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 0xFF_FFFF, payload: payload))
        let expected = W.bytes {
            [0x06, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xC8, 0x09, 0x01, 0x00, 0x00, 0x00]
            [0x00, 0xFF, 0xFF, 0xFF]
            payload[0..<128]
            [0xC6, 0x00, 0xFF, 0xFF, 0xFF]
            payload[128...]
        }
        #expect(bytes == expected)
        let below = encode(RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 0xFF_FFFE, payload: [1]))
        #expect(below.count == 13)
    }

    @Test("chunk size changes apply to the messages written after them")
    func chunkSizeChange() throws {
        var encoder = RTMPChunkEncoder()
        var buffer = ByteBuffer()
        encoder.write(.setChunkSize(4096), into: &buffer)
        encoder.chunkSize = 4096
        let payload = W.payload(5000)
        encoder.write(RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 0, payload: payload), into: &buffer)
        #expect(buffer.readableBytes == 16 + 12 + 5000 + 1)
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(buffer.bytes) == [RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 0, payload: payload)])
    }
}

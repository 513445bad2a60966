import AliveTestSupport
import NIOCore
import Testing
@testable import AliveMedia

private typealias W = RTMPWire

@Suite("RTMPChunkDecoder")
struct RTMPChunkDecoderTests {
    // MARK: header forms

    @Test("format 0 header with a 1-byte basic header")
    func format0() throws {
        let payload = W.payload(40)
        let bytes = W.type0(csid: 3, timestamp: 1234, length: 40, type: RTMPMessageType.commandAMF0, streamID: 0x0102_0304) + payload
        #expect(bytes.count == 12 + 40)
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages == [RTMPMessage(csid: 3, type: 20, streamID: 0x0102_0304, timestamp: 1234, payload: payload)])
        #expect(decoder.bytesReceived == UInt64(bytes.count))
    }

    @Test("message stream id is little-endian on the wire")
    func messageStreamIDLittleEndian() throws {
        let bytes: [UInt8] = [0x04, 0, 0, 0, 0, 0, 1, 9, 0x01, 0x00, 0x00, 0x00, 0xAB]
        var decoder = RTMPChunkDecoder()
        let message = try #require(try decoder.decode(bytes).first)
        #expect(message.messageStreamID == 1)
        #expect(message.typeID == RTMPMessageType.video)
        #expect(message.payload.bytes == [0xAB])
    }

    @Test("2- and 3-byte basic headers", arguments: [UInt32(2), 63, 64, 65, 200, 319, 320, 321, 1000, 65_599])
    func basicHeaderForms(csid: UInt32) throws {
        let expectedHeaderLength = csid < 64 ? 1 : csid < 320 ? 2 : 3
        #expect(W.basicHeader(format: 0, chunkStreamID: csid).count == expectedHeaderLength)
        let first = W.payload(200, seed: 1)
        let second = W.payload(10, seed: 2)
        // A 200-byte message needs a format 3 continuation chunk with the same basic header form,
        // then a format 2 header for a second message.
        let bytes = W.bytes {
            W.type0(csid: csid, timestamp: 10, length: 200, type: 8, streamID: 1)
            first[0..<128]
            W.type3(csid: csid)
            first[128...]
            W.type1(csid: csid, delta: 5, length: 10, type: 9)
            second
        }
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages == [
            RTMPMessage(csid: csid, type: 8, streamID: 1, timestamp: 10, payload: first),
            RTMPMessage(csid: csid, type: 9, streamID: 1, timestamp: 15, payload: second),
        ])
    }

    @Test("format 1, 2 and 3 headers reuse and accumulate the previous header's fields")
    func compressedHeaders() throws {
        let p = (0..<5).map { W.payload(20 + $0, seed: UInt8($0)) }
        let bytes = W.type0(csid: 6, timestamp: 1000, length: 20, type: 9, streamID: 1) + p[0]
            // new length and type, delta 40
            + W.type1(csid: 6, delta: 40, length: 21, type: 8) + p[1]
            // same length and type: only a delta; the length stays 21
            + W.type2(csid: 6, delta: 33) + W.payload(21, seed: 2)
            // nothing: same length, type and delta 33
            + W.type3(csid: 6) + W.payload(21, seed: 3)
            + W.type3(csid: 6) + W.payload(21, seed: 4)
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages.map(\.timestamp) == [1000, 1040, 1073, 1106, 1139])
        #expect(messages.map(\.typeID) == [9, 8, 8, 8, 8])
        #expect(messages.map(\.messageStreamID) == [1, 1, 1, 1, 1])
        #expect(messages.map(\.payload.readableBytes) == [20, 21, 21, 21, 21])
        #expect(messages[3].payload.bytes == W.payload(21, seed: 3))
        #expect(decoder.bytesReceived == UInt64(bytes.count))
    }

    @Test("a format 3 header starting a message after format 0 adds the format 0 timestamp as delta (spec 5.3.1.2.4)")
    func format3AfterFormat0() throws {
        let bytes = W.bytes {
            W.type0(csid: 4, timestamp: 40, length: 1, type: 8, streamID: 1)
            [1]
            W.type3(csid: 4)
            [2]
        }
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes).map(\.timestamp) == [40, 80])
    }

    @Test("timestamps wrap at 2^32")
    func timestampWraps() throws {
        let bytes = W.bytes {
            W.type0(csid: 4, timestamp: 0xFFFF_FFF0, length: 1, type: 8, streamID: 1)
            [1]
            W.type2(csid: 4, delta: 0x20)
            [2]
        }
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes).map(\.timestamp) == [0xFFFF_FFF0, 0x10])
    }

    @Test("zero-length messages are returned with an empty payload")
    func zeroLength() throws {
        let bytes = W.type0(csid: 3, timestamp: 7, length: 0, type: 20, streamID: 0) + W.type3(csid: 3)
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages.count == 2)
        #expect(messages.allSatisfy { $0.payload.readableBytes == 0 })
        #expect(messages.map(\.timestamp) == [7, 14])
    }

    // MARK: extended timestamps

    @Test("extended timestamp on format 0 and repeated on every continuation chunk (ffmpeg, librtmp, OBS)")
    func extendedTimestampRepeated() throws {
        let timestamp: UInt32 = 0x0123_4567
        let payload = W.payload(300)
        let bytes = W.bytes {
            W.type0(csid: 6, timestamp: timestamp, length: 300, type: 9, streamID: 1)
            payload[0..<128]
            W.type3(csid: 6, extendedTimestamp: timestamp)
            payload[128..<256]
            W.type3(csid: 6, extendedTimestamp: timestamp)
            payload[256...]
        }
        #expect(bytes.count == 16 + 300 + 2 * 5)
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages == [RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: timestamp, payload: payload)])
        #expect(decoder.bytesReceived == UInt64(bytes.count))
    }

    @Test("continuation chunks without the repeated extended timestamp are accepted too")
    func extendedTimestampNotRepeated() throws {
        let timestamp: UInt32 = 0xFF_FFFF
        let payload = W.payload(200, seed: 9)
        let bytes = W.bytes {
            W.type0(csid: 6, timestamp: timestamp, length: 200, type: 9, streamID: 1)
            payload[0..<128]
            W.type3(csid: 6)
            payload[128...]
        }
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes) == [RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: timestamp, payload: payload)])
    }

    @Test("extended deltas on format 1/2 and a format 3 header starting a message with its own extended field")
    func extendedDeltas() throws {
        let bytes = W.bytes {
            W.type0(csid: 5, timestamp: 100, length: 2, type: 8, streamID: 1)
            [1, 2]
            W.type1(csid: 5, delta: 0x0100_0000, length: 1, type: 8)
            [3]
            W.type2(csid: 5, delta: 0x0200_0000)
            [4]
        }
            // format 3 after an extended header carries the extended field, which is the delta
            + W.type3(csid: 5, extendedTimestamp: 0x0300_0000) + [5]
            // back to a small delta: the extended field is no longer expected on format 3
            + W.type2(csid: 5, delta: 1) + [6]
            + W.type3(csid: 5) + [7]
        var decoder = RTMPChunkDecoder()
        let messages = try decoder.decode(bytes)
        #expect(messages.map(\.timestamp) == [100, 0x0100_0064, 0x0300_0064, 0x0600_0064, 0x0600_0065, 0x0600_0066])
        #expect(messages.map { $0.payload.bytes } == [[1, 2], [3], [4], [5], [6], [7]])
    }

    // MARK: interleaving and feeding

    @Test("chunks of different chunk streams interleave")
    func interleaved() throws {
        let audio = W.payload(300, seed: 1)
        let video = W.payload(260, seed: 2)
        let bytes = W.bytes {
            W.type0(csid: 4, timestamp: 20, length: 300, type: 8, streamID: 1)
            audio[0..<128]
            W.type0(csid: 6, timestamp: 10, length: 260, type: 9, streamID: 1)
            video[0..<128]
            W.type3(csid: 4)
            audio[128..<256]
            W.type3(csid: 6)
            video[128..<256]
            W.control(type: RTMPMessageType.windowAckSize, payload: W.be32(5_000_000))
            W.type3(csid: 6)
            video[256...]
            W.type3(csid: 4)
            audio[256...]
        }
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes) == [
            RTMPMessage(csid: 2, type: 5, streamID: 0, timestamp: 0, payload: W.be32(5_000_000)),
            RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 10, payload: video),
            RTMPMessage(csid: 4, type: 8, streamID: 1, timestamp: 20, payload: audio),
        ])
    }

    /// A stream exercising every header form, extended timestamps, interleaving and a chunk size change.
    private static let mixedStream: [UInt8] = {
        let big = W.payload(5000, seed: 7)
        let audio = W.payload(300, seed: 3)
        return W.bytes {
            W.control(type: 1, payload: W.be32(1000))
            W.type0(csid: 3, timestamp: 0, length: 30, type: 20, streamID: 0)
            W.payload(30)
            W.type0(csid: 320, timestamp: 0x0100_0000, length: 5000, type: 9, streamID: 1)
            big[0..<1000]
            W.type0(csid: 4, timestamp: 5, length: 300, type: 8, streamID: 1)
            audio
            W.type3(csid: 320, extendedTimestamp: 0x0100_0000)
            big[1000..<2000]
            W.type3(csid: 320, extendedTimestamp: 0x0100_0000)
            big[2000..<3000]
            W.type2(csid: 4, delta: 23)
            audio
            W.type3(csid: 320, extendedTimestamp: 0x0100_0000)
            big[3000..<4000]
            W.type3(csid: 320, extendedTimestamp: 0x0100_0000)
            big[4000...]
            W.type3(csid: 4)
            W.payload(300, seed: 4)
        }
    }()

    private static var mixedStreamExpected: [RTMPMessage] {
        [
            RTMPMessage(csid: 3, type: 20, streamID: 0, timestamp: 0, payload: W.payload(30)),
            RTMPMessage(csid: 4, type: 8, streamID: 1, timestamp: 5, payload: W.payload(300, seed: 3)),
            RTMPMessage(csid: 4, type: 8, streamID: 1, timestamp: 28, payload: W.payload(300, seed: 3)),
            RTMPMessage(csid: 320, type: 9, streamID: 1, timestamp: 0x0100_0000, payload: W.payload(5000, seed: 7)),
            RTMPMessage(csid: 4, type: 8, streamID: 1, timestamp: 51, payload: W.payload(300, seed: 4)),
        ]
    }

    @Test("the mixed stream decodes in one piece")
    func mixedStreamWhole() throws {
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(Self.mixedStream) == Self.mixedStreamExpected)
        #expect(decoder.chunkSize == 1000)
        #expect(decoder.bytesReceived == UInt64(Self.mixedStream.count))
    }

    @Test("the mixed stream decodes fed one byte at a time")
    func mixedStreamByteByByte() throws {
        var decoder = RTMPChunkDecoder()
        var pending = ByteBuffer()
        var messages: [RTMPMessage] = []
        for byte in Self.mixedStream {
            pending.writeInteger(byte)
            while let message = try decoder.next(from: &pending) {
                messages.append(message)
            }
            // Only an incomplete chunk header may stay behind (at most 3 + 11 + 4 - 1 bytes).
            #expect(pending.readableBytes < 18)
        }
        #expect(messages == Self.mixedStreamExpected)
        #expect(pending.readableBytes == 0)
        #expect(decoder.bytesReceived == UInt64(Self.mixedStream.count))
    }

    @Test("the mixed stream decodes split at arbitrary boundaries", arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func mixedStreamRandomSplits(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for maxPiece in [2, 7, 40, 700, 3000] {
            var decoder = RTMPChunkDecoder()
            let pieces = randomPieces(Self.mixedStream, maxPiece: maxPiece, using: &random)
            #expect(try decoder.decode(pieces: pieces) == Self.mixedStreamExpected)
        }
    }

    @Test("a message in one chunk shares the input bytes; the input buffer is left consumed")
    func consumesInput() throws {
        var buffer = ByteBuffer(bytes: W.type0(csid: 3, timestamp: 0, length: 3, type: 20, streamID: 0) + [1, 2, 3] + [0x03])
        var decoder = RTMPChunkDecoder()
        let message = try #require(try decoder.next(from: &buffer))
        #expect(message.payload.bytes == [1, 2, 3])
        // The next byte is the start of a format 0 header on csid 3: not complete, not consumed.
        #expect(try decoder.next(from: &buffer) == nil)
        #expect(buffer.readableBytes == 1)
    }

    // MARK: control messages applied by the decoder

    @Test("Set Chunk Size applies to the following chunks and is not returned")
    func setChunkSizeThenBigMessages() throws {
        let big = W.payload(10_000, seed: 5)
        let bytes = W.bytes {
            W.control(type: RTMPMessageType.setChunkSize, payload: W.be32(4096))
            W.type0(csid: 6, timestamp: 0, length: 10_000, type: 9, streamID: 1)
            big[0..<4096]
            W.type3(csid: 6)
            big[4096..<8192]
            W.type3(csid: 6)
            big[8192...]
            W.type2(csid: 6, delta: 33)
            big[0..<4096]
            W.type3(csid: 6)
            big[4096..<8192]
            W.type3(csid: 6)
            big[8192...]
        }
        var decoder = RTMPChunkDecoder()
        #expect(decoder.chunkSize == 128)
        let messages = try decoder.decode(bytes)
        #expect(decoder.chunkSize == 4096)
        #expect(messages == [
            RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 0, payload: big),
            RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 33, payload: big),
        ])
    }

    @Test("Set Chunk Size of the largest allowed value is accepted")
    func setChunkSizeAtLimit() throws {
        var decoder = RTMPChunkDecoder(limits: RTMPLimits(maxChunkSize: 1000))
        #expect(try decoder.decode(W.control(type: 1, payload: W.be32(1000))).isEmpty)
        #expect(decoder.chunkSize == 1000)
    }

    @Test("Set Chunk Size out of range is an error", arguments: [UInt32(0), 65_537, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF])
    func setChunkSizeOutOfRange(size: UInt32) throws {
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPProtocolError.chunkSizeOutOfRange(Int(size), limit: 65_536)) {
            try decoder.decode(W.control(type: 1, payload: W.be32(size)))
        }
        #expect(decoder.chunkSize == 128)
    }

    @Test("Set Chunk Size and Abort shorter than 4 bytes are errors", arguments: [RTMPMessageType.setChunkSize, RTMPMessageType.abort])
    func shortControlMessage(type: UInt8) throws {
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPProtocolError.malformedControlMessage(type: type, reason: "payload of 2 bytes, expected 4")) {
            try decoder.decode(W.control(type: type, payload: [0, 1]))
        }
    }

    @Test("Abort drops the partial message of its chunk stream and frees its budget")
    func abortDropsPartialMessage() throws {
        // Room for the 300-byte message and the 4-byte Abort in progress at the same time, not for two 300-byte messages.
        let limits = RTMPLimits(maxBufferedBytes: 304)
        let payload = W.payload(300)
        let bytes = W.bytes {
            W.type0(csid: 6, timestamp: 0, length: 300, type: 9, streamID: 1)
            payload[0..<128]
            W.control(type: RTMPMessageType.abort, payload: W.be32(6))
        }
            // the partial message is gone, so a new full header on csid 6 is fine and fits the budget
            + W.type0(csid: 6, timestamp: 50, length: 300, type: 9, streamID: 1) + payload[0..<128]
            + W.type3(csid: 6) + payload[128..<256] + W.type3(csid: 6) + payload[256...]
            // aborting a chunk stream with nothing in progress (or unknown) does nothing
            + W.control(type: RTMPMessageType.abort, payload: W.be32(6))
            + W.control(type: RTMPMessageType.abort, payload: W.be32(77))
        var decoder = RTMPChunkDecoder(limits: limits)
        #expect(try decoder.decode(bytes) == [RTMPMessage(csid: 6, type: 9, streamID: 1, timestamp: 50, payload: payload)])
    }

    @Test("other control messages are returned to the caller")
    func otherControlMessagesReturned() throws {
        let bytes = W.bytes {
            W.control(type: RTMPMessageType.acknowledgement, payload: W.be32(7))
            W.control(type: RTMPMessageType.userControl, payload: [0, 3, 0, 0, 0, 1, 0, 0, 0x0B, 0xB8])
        }
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes).map(\.typeID) == [3, 4])
    }

    // MARK: limits and malformed input

    @Test("a message longer than the limit fails when its header arrives, before any body byte")
    func messageTooLongAtHeader() throws {
        var decoder = RTMPChunkDecoder(limits: RTMPLimits(maxMessageLength: 1000))
        var header = ByteBuffer(bytes: W.type0(csid: 6, timestamp: 0, length: 1001, type: 9, streamID: 1))
        #expect(throws: RTMPProtocolError.messageTooLong(1001, limit: 1000)) {
            try decoder.next(from: &header)
        }
        // the same through a format 1 header on a known chunk stream
        var other = RTMPChunkDecoder(limits: RTMPLimits(maxMessageLength: 1000))
        var bytes = ByteBuffer(bytes: W.type0(csid: 6, timestamp: 0, length: 1, type: 9, streamID: 1) + [0] + W.type1(csid: 6, delta: 0, length: 0xFF_FFFF, type: 9))
        #expect(try other.next(from: &bytes) != nil)
        #expect(throws: RTMPProtocolError.messageTooLong(0xFF_FFFF, limit: 1000)) {
            try other.next(from: &bytes)
        }
    }

    @Test("the default limit rejects an 8 MiB + 1 message")
    func defaultMessageLimit() throws {
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPProtocolError.messageTooLong(8 * 1024 * 1024 + 1, limit: 8 * 1024 * 1024)) {
            try decoder.decode(W.type0(csid: 6, timestamp: 0, length: 8 * 1024 * 1024 + 1, type: 9, streamID: 1))
        }
    }

    @Test("more chunk streams than the limit is an error, raised on the basic header")
    func tooManyChunkStreams() throws {
        var decoder = RTMPChunkDecoder(limits: RTMPLimits(maxChunkStreams: 4))
        var bytes: [UInt8] = []
        for csid: UInt32 in [2, 3, 64, 400] {
            bytes += W.type0(csid: csid, timestamp: 0, length: 1, type: 18, streamID: 0) + [0]
        }
        #expect(try decoder.decode(bytes).count == 4)
        // chunk streams that already have state stay usable
        #expect(try decoder.decode(W.type3(csid: 64) + [0]).count == 1)
        var fifth = ByteBuffer(bytes: [0x05])
        #expect(throws: RTMPProtocolError.tooManyChunkStreams(limit: 4)) {
            try decoder.next(from: &fifth)
        }
    }

    @Test("a compressed header on a chunk stream never started is an error", arguments: [UInt8(1), 2, 3])
    func compressedHeaderOnUnknownStream(format: UInt8) throws {
        var decoder = RTMPChunkDecoder()
        var bytes = ByteBuffer(bytes: W.basicHeader(format: format, chunkStreamID: 9))
        #expect(throws: RTMPProtocolError.chunkStreamNotStarted(chunkStreamID: 9, format: format)) {
            try decoder.next(from: &bytes)
        }
    }

    @Test("a new message header while a message is incomplete is an error", arguments: [UInt8(0), 1, 2])
    func headerInsideMessage(format: UInt8) throws {
        var decoder = RTMPChunkDecoder()
        let start = W.type0(csid: 6, timestamp: 0, length: 200, type: 9, streamID: 1) + W.payload(128)
        #expect(try decoder.decode(start).isEmpty)
        #expect(throws: RTMPProtocolError.messageHeaderInsideMessage(chunkStreamID: 6, format: format)) {
            try decoder.decode(W.basicHeader(format: format, chunkStreamID: 6))
        }
    }

    @Test("partially assembled messages over the buffered-bytes budget are an error")
    func tooManyBufferedBytes() throws {
        var decoder = RTMPChunkDecoder(limits: RTMPLimits(maxBufferedBytes: 1000))
        let bytes = W.bytes {
            W.type0(csid: 4, timestamp: 0, length: 600, type: 8, streamID: 1)
            W.payload(128)
            W.type0(csid: 6, timestamp: 0, length: 401, type: 9, streamID: 1)
        }
        #expect(throws: RTMPProtocolError.tooManyBufferedBytes(1001, limit: 1000)) {
            try decoder.decode(bytes)
        }
    }

    @Test("after an error the decoder stays failed")
    func staysFailed() throws {
        var decoder = RTMPChunkDecoder()
        #expect(throws: RTMPProtocolError.self) { try decoder.decode([0x43]) }
        var valid = ByteBuffer(bytes: W.type0(csid: 3, timestamp: 0, length: 1, type: 20, streamID: 0) + [5])
        #expect(throws: RTMPProtocolError.decoderFailedEarlier) {
            try decoder.next(from: &valid)
        }
    }

    @Test("errors describe themselves without payload bytes")
    func errorDescriptions() {
        #expect(RTMPProtocolError.chunkSizeOutOfRange(0, limit: 65_536).description == "RTMP Set Chunk Size 0 is out of range (1...65536)")
        #expect(RTMPProtocolError.messageTooLong(9, limit: 8).description.contains("9 bytes"))
        #expect(RTMPProtocolError.unsupportedHandshakeVersion(6).description.contains("RTMPE"))
    }

    // MARK: round trip with the encoder

    @Test("encoder output decodes to the same messages for random messages and chunk sizes", arguments: [UInt64(11), 12, 13, 14])
    func roundTrip(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var encoder = RTMPChunkEncoder()
        var wire = ByteBuffer()
        var expected: [RTMPMessage] = []
        let chunkStreams: [UInt32] = [2, 3, 4, 63, 64, 319, 320, 65_599]
        for _ in 0..<40 {
            if Int.random(in: 0..<8, using: &random) == 0 {
                let size = [1, 2, 127, 128, 129, 1000, 4096, 65_536].randomElement(using: &random)!
                encoder.write(.setChunkSize(UInt32(size)), into: &wire)
                encoder.chunkSize = size
            }
            let length = [0, 1, 127, 128, 129, 300, 5000, 20_000].randomElement(using: &random)!
            let type = [UInt8(8), 9, 18, 20, 4, 5, 22, 200].randomElement(using: &random)!
            let message = RTMPMessage(
                csid: chunkStreams.randomElement(using: &random)!,
                type: type,
                streamID: UInt32.random(in: 0...3, using: &random) == 3 ? UInt32.max : UInt32.random(in: 0...2, using: &random),
                timestamp: [0, 1, 0xFF_FFFE, 0xFF_FFFF, 0x0100_0000, UInt32.max].randomElement(using: &random)!
                    &+ UInt32.random(in: 0...1000, using: &random),
                payload: random.bytes(length)
            )
            encoder.write(message, into: &wire)
            expected.append(message)
        }
        let bytes = wire.bytes
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.decode(bytes) == expected)
        #expect(decoder.bytesReceived == UInt64(bytes.count))
        var splitDecoder = RTMPChunkDecoder()
        #expect(try splitDecoder.decode(pieces: randomPieces(bytes, maxPiece: 3000, using: &random)) == expected)
    }
}

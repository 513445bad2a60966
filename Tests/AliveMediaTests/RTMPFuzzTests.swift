import AliveTestSupport
import NIOCore
import Testing
@testable import AliveMedia

/// Seeded random-input tests of everything that parses peer bytes: random bytes and random
/// mutations of valid streams, fed in random splits. They assert that nothing crashes or
/// hangs, that every error is an `RTMPProtocolError`, and the decoders' invariants.
/// The seeds are fixed, so a failure replays exactly.
@Suite("RTMP fuzz", .timeLimit(.minutes(2)))
struct RTMPFuzzTests {
    // MARK: mutations

    private static let interestingBytes: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x09, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xC3, 0xFE, 0xFF]

    /// One to four random edits: bit flips, interesting bytes, inserts, deletes, duplicates, truncation.
    static func mutate(_ input: [UInt8], using random: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 1 where !bytes.isEmpty:
                bytes[index] = interestingBytes.randomElement(using: &random)!
            case 2:
                bytes.insert(contentsOf: random.bytes(Int.random(in: 1...8, using: &random)), at: index)
            case 3 where !bytes.isEmpty:
                bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...16, using: &random)))
            case 4 where !bytes.isEmpty:
                let slice = bytes[index..<min(bytes.count, index + Int.random(in: 1...32, using: &random))]
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            case 5 where !bytes.isEmpty:
                bytes.removeSubrange(index...)
            default:
                if !bytes.isEmpty { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            }
        }
        return bytes
    }

    // MARK: chunk decoder

    /// Valid chunk streams from the encoder: mixed chunk streams, sizes, timestamps and chunk size changes.
    private static func validChunkStream(using random: inout SeededRandom) -> [UInt8] {
        var encoder = RTMPChunkEncoder()
        var wire = ByteBuffer()
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            if Bool.random(using: &random) {
                let size = [2, 8, 32, 128].randomElement(using: &random)!
                encoder.write(.setChunkSize(UInt32(size)), into: &wire)
                encoder.chunkSize = size
            }
            let message = RTMPMessage(
                chunkStreamID: [2, 3, 4, 64, 320].randomElement(using: &random)!,
                typeID: [1, 2, 4, 8, 9, 18, 20].randomElement(using: &random)!,
                messageStreamID: UInt32.random(in: 0...1, using: &random),
                timestamp: [0, 40, 0xFF_FFFF, 0x0123_4567].randomElement(using: &random)!,
                payload: ByteBuffer(bytes: random.bytes(Int.random(in: 0...64, using: &random)))
            )
            encoder.write(message, into: &wire)
        }
        return wire.bytes
    }

    private static let smallLimits = RTMPLimits(maxChunkSize: 4096, maxMessageLength: 2048, maxChunkStreams: 4, maxBufferedBytes: 3000)

    /// What one input did. Invariant violations are collected as text, not `#expect`ed in the
    /// hot loop (an expectation per chunk would dominate the run time).
    private enum Outcome {
        case accepted
        case rejected
        case violation(String)
    }

    /// Feeds one input in random pieces and checks the decoder's invariants.
    private static func runChunkDecoder(_ input: [UInt8], limits: RTMPLimits, using random: inout SeededRandom) -> Outcome {
        var decoder = RTMPChunkDecoder(limits: limits)
        var pending = ByteBuffer()
        var messages = 0
        do {
            for piece in randomPieces(input, maxPiece: [1, 16, 200, 4096, 4096, 4096].randomElement(using: &random)!, using: &random) {
                pending.writeBytes(piece)
                while let message = try decoder.next(from: &pending) {
                    messages += 1
                    if message.typeID == RTMPMessageType.setChunkSize || message.typeID == RTMPMessageType.abort {
                        return .violation("returned control message type \(message.typeID)")
                    }
                    if message.payload.readableBytes > limits.maxMessageLength {
                        return .violation("returned a message over the length limit")
                    }
                    if messages > input.count {
                        return .violation("more messages than input bytes: the decoder is looping")
                    }
                }
                if pending.readableBytes >= 18 {
                    return .violation("\(pending.readableBytes) bytes left unconsumed, more than an incomplete chunk header")
                }
            }
            if decoder.bytesReceived != UInt64(input.count - pending.readableBytes) {
                return .violation("bytesReceived \(decoder.bytesReceived) != consumed \(input.count - pending.readableBytes)")
            }
            return .accepted
        } catch is RTMPProtocolError {
            return .rejected
        } catch {
            return .violation("unexpected error type: \(error)")
        }
    }

    @Test("chunk decoder: random bytes and mutated valid streams")
    func chunkDecoder() {
        var random = SeededRandom(seed: 0x5EED_0001)
        var inputs = 0
        var rejected = 0
        var violations: [String] = []
        var totalBytes = 0
        var pool = (0..<64).map { _ in Self.validChunkStream(using: &random) }
        for round in 0..<90_000 {
            let input: [UInt8]
            switch round % 10 {
            case 0, 1, 2:
                input = random.bytes(Int.random(in: 0...64, using: &random))
            case 3:
                // random bytes behind a valid start, so later headers are reached
                input = pool[round % pool.count].prefix(40) + random.bytes(Int.random(in: 1...64, using: &random))
            default:
                input = Self.mutate(pool.randomElement(using: &random)!, using: &random)
            }
            if round % 1000 == 999 {
                pool[Int.random(in: 0..<pool.count, using: &random)] = Self.validChunkStream(using: &random)
            }
            totalBytes += input.count
            let limits = round % 2 == 0 ? Self.smallLimits : .default
            switch Self.runChunkDecoder(input, limits: limits, using: &random) {
            case .accepted: break
            case .rejected: rejected += 1
            case .violation(let what): violations.append("round \(round): \(what)")
            }
            inputs += 1
        }
        #expect(violations.isEmpty, "\(violations.count) violations, first: \(violations.prefix(3))")
        print("RTMP fuzz: chunk decoder ran \(inputs) inputs (\(totalBytes) bytes), \(rejected) rejected")
        #expect(inputs == 90_000)
        // Both outcomes must occur, or the generator is not exercising the decoder.
        #expect(rejected > 10_000 && rejected < inputs - 10_000)
    }

    // MARK: AMF0

    private static func amfInput(using random: inout SeededRandom, round: Int) -> [UInt8] {
        switch round % 4 {
        case 0:
            // random bytes drawn mostly from type markers and small lengths
            return (0..<Int.random(in: 0...48, using: &random)).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0...0x12, using: &random) : UInt8.random(in: 0...255, using: &random)
            }
        default:
            var buffer = ByteBuffer()
            AMF0Encoder.encode((0..<Int.random(in: 1...3, using: &random)).map { _ in random.amf0Value(depth: 3) }, into: &buffer)
            return mutate(buffer.bytes, using: &random)
        }
    }

    @Test("AMF0 decoder: random bytes and mutated valid encodings")
    func amf0() {
        var random = SeededRandom(seed: 0x5EED_0002)
        let strict = AMF0Decoder(limits: RTMPLimits(maxAMFDepth: 3, maxAMFItems: 40))
        let normal = AMF0Decoder()
        var inputs = 0
        var rejected = 0
        for round in 0..<80_000 {
            let input = Self.amfInput(using: &random, round: round)
            let decoder = round % 3 == 0 ? strict : normal
            do {
                let values = try decoder.decodeAll(ByteBuffer(bytes: input))
                // Whatever decodes re-encodes to bytes that decode to the same encoding (NaN-safe).
                var once = ByteBuffer()
                AMF0Encoder.encode(values, into: &once)
                var twice = ByteBuffer()
                AMF0Encoder.encode(try AMF0Decoder().decodeAll(once), into: &twice)
                #expect(once == twice)
            } catch {
                #expect(error is RTMPProtocolError, "unexpected error type: \(error)")
                rejected += 1
            }
            inputs += 1
        }
        print("RTMP fuzz: AMF0 decoder ran \(inputs) inputs, \(rejected) rejected")
        #expect(rejected > 5_000 && rejected < inputs - 5_000)
    }

    // MARK: FLV

    private static let validTags: [[UInt8]] = [
        [0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F],
        [0x27, 0x01, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x00, 0x02, 0x41, 0x9A],
        [0x1C, 0x01, 0x00, 0x00, 0x21, 0xAA],
        [0x91, 0x68, 0x76, 0x63, 0x31, 0xFF, 0xFF, 0xDE, 0x26, 0x01],
        [0x93, 0x61, 0x76, 0x30, 0x31, 0x12, 0x00],
        [0xD4, 0x68, 0x76, 0x63, 0x31, 0x02, 0x00, 0x00],
        [0xAF, 0x00, 0x12, 0x10], [0xAF, 0x01, 0x21], [0x2E, 0xFF, 0xFB],
        [0x90, 0x4F, 0x70, 0x75, 0x73, 0x4F], [0x91, 0x6D, 0x70, 0x34, 0x61, 0x21],
    ]

    @Test("FLV tag parsers: random bytes and mutated valid tags")
    func flv() {
        var random = SeededRandom(seed: 0x5EED_0003)
        var inputs = 0
        var rejected = 0
        for round in 0..<20_000 {
            let input = round % 2 == 0
                ? random.bytes(Int.random(in: 0...12, using: &random))
                : Self.mutate(Self.validTags.randomElement(using: &random)!, using: &random)
            let payload = ByteBuffer(bytes: input)
            do {
                let tag = try FLVVideoTag(parsing: payload)
                #expect(tag.data.readableBytes < max(1, input.count))
                #expect(tag.frameType <= 15)
            } catch {
                #expect(error is RTMPProtocolError, "unexpected error type: \(error)")
                rejected += 1
            }
            do {
                let tag = try FLVAudioTag(parsing: payload)
                #expect(tag.data.readableBytes < max(1, input.count))
            } catch {
                #expect(error is RTMPProtocolError, "unexpected error type: \(error)")
                rejected += 1
            }
            inputs += 2
        }
        print("RTMP fuzz: FLV tag parsers ran \(inputs) inputs, \(rejected) rejected")
        #expect(rejected > 1_000 && rejected < inputs - 1_000)
    }
}

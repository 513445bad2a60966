import AliveTestSupport
import Crypto
import NIOCore
import Testing
@testable import AliveMedia

/// The client side of the digest ("complex", Flash Player 9) handshake as librtmp and ffmpeg
/// implement it, written here independently of `RTMPHandshakeDigest` so the server's answer
/// is checked against what those clients verify.
private enum DigestClient {
    private static let tail: [UInt8] = [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ]
    static let playerKey: [UInt8] = Array("Genuine Adobe Flash Player 001".utf8) + tail  // 62 bytes
    static let serverKey: [UInt8] = Array("Genuine Adobe Flash Media Server 001".utf8) + tail  // 68 bytes

    static func hmac(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Scheme 0: offset from bytes 8...11 (+12); scheme 1: from bytes 772...775 (+776).
    static func digestOffset(_ packet: [UInt8], scheme: Int) -> Int {
        let base = scheme == 0 ? 8 : 772
        return (Int(packet[base]) + Int(packet[base + 1]) + Int(packet[base + 2]) + Int(packet[base + 3])) % 728 + base + 4
    }

    static func digest(_ packet: [UInt8], at offset: Int, key: [UInt8]) -> [UInt8] {
        hmac(Array(packet[0..<offset]) + Array(packet[(offset + 32)...]), key: key)
    }

    /// C1 as librtmp builds it for FP9: time, version 128.0.7.2, random, digest keyed by the first 30 key bytes.
    static func makeC1(scheme: Int, random: inout SeededRandom) -> [UInt8] {
        var c1 = random.bytes(1536)
        c1.replaceSubrange(0..<8, with: [0, 0, 0x12, 0x34, 0x80, 0x00, 0x07, 0x02])
        let offset = digestOffset(c1, scheme: scheme)
        c1.replaceSubrange(offset..<(offset + 32), with: digest(c1, at: offset, key: Array(playerKey[0..<30])))
        return c1
    }

    /// What the client checks in S1: a digest keyed by the first 36 server key bytes, at either scheme.
    static func verifiesServerDigest(_ s1: [UInt8], scheme: Int) -> Bool {
        let offset = digestOffset(s1, scheme: scheme)
        return digest(s1, at: offset, key: Array(serverKey[0..<36])) == Array(s1[offset..<(offset + 32)])
    }

    /// What the client checks in S2: its last 32 bytes are HMAC(key: HMAC(full server key, C1 digest), first 1504 bytes).
    static func verifiesS2(_ s2: [UInt8], c1: [UInt8], scheme: Int) -> Bool {
        let offset = digestOffset(c1, scheme: scheme)
        let key = hmac(Array(c1[offset..<(offset + 32)]), key: serverKey)
        return hmac(Array(s2[0..<1504]), key: key) == Array(s2[1504...])
    }
}

@Suite("RTMPHandshake")
struct RTMPHandshakeTests {
    private func makeHandshake(seed: UInt64 = 42, serverTime: UInt32 = 0) -> RTMPHandshake {
        var random = SeededRandom(seed: seed)
        return RTMPHandshake(randomNumberGenerator: &random, serverTime: serverTime)
    }

    /// Splits S0+S1+S2 into its parts.
    private func parts(_ action: RTMPHandshake.Action) throws -> (s0: UInt8, s1: [UInt8], s2: [UInt8]) {
        guard case .send(let buffer) = action else {
            Issue.record("expected .send, got \(action)")
            throw CancellationError()
        }
        let bytes = buffer.bytes
        #expect(bytes.count == 1 + 2 * 1536)
        return (bytes[0], Array(bytes[1..<1537]), Array(bytes[1537...]))
    }

    @Test("simple handshake: S1 has a zero version and S2 echoes C1")
    func simpleHandshake() throws {
        var random = SeededRandom(seed: 7)
        var c1 = random.bytes(1536)
        c1.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        var handshake = makeHandshake(serverTime: 0x0102_0304)
        var buffer = ByteBuffer(bytes: [3] + c1)
        let (s0, s1, s2) = try parts(try handshake.feed(&buffer))
        #expect(s0 == 3)
        #expect(Array(s1[0..<4]) == [1, 2, 3, 4])
        #expect(Array(s1[4..<8]) == [0, 0, 0, 0])
        let s2EchoesC1 = s2 == c1
        #expect(s2EchoesC1)
        #expect(!handshake.isDigestHandshake)
        #expect(buffer.readableBytes == 0)

        #expect(try handshake.feed(&buffer) == .needMoreData)
        buffer.writeBytes(s1)  // C2 echoes S1
        #expect(try handshake.feed(&buffer) == .completed)
        #expect(try handshake.feed(&buffer) == .completed)
        #expect(handshake.bytesReceived == 1 + 2 * 1536)
    }

    @Test("digest handshake: S1 carries a server digest and S2 the digest derived from the client's", arguments: [0, 1])
    func digestHandshake(scheme: Int) throws {
        var random = SeededRandom(seed: UInt64(100 + scheme))
        let c1 = DigestClient.makeC1(scheme: scheme, random: &random)
        var handshake = makeHandshake()
        var buffer = ByteBuffer(bytes: [3] + c1)
        let (s0, s1, s2) = try parts(try handshake.feed(&buffer))
        #expect(s0 == 3)
        #expect(handshake.isDigestHandshake)
        // ffmpeg only checks a server digest when S1's version byte is 3 or more; librtmp when non-zero.
        #expect(s1[4] >= 3)
        // Booleans first, so a failure does not print three kilobytes of packet.
        let serverDigestVerifies = DigestClient.verifiesServerDigest(s1, scheme: scheme)
        let s2Verifies = DigestClient.verifiesS2(s2, c1: c1, scheme: scheme)
        let s2EchoesC1 = s2 == c1
        #expect(serverDigestVerifies)
        #expect(s2Verifies)
        #expect(!s2EchoesC1)

        // C2 of a digest client is opaque to the server.
        buffer.writeBytes(random.bytes(1536))
        #expect(try handshake.feed(&buffer) == .completed)
    }

    @Test("a C1 with a non-zero version but no valid digest gets the simple answer")
    func invalidDigestFallsBack() throws {
        var random = SeededRandom(seed: 9)
        var c1 = DigestClient.makeC1(scheme: 0, random: &random)
        let offset = DigestClient.digestOffset(c1, scheme: 0)
        c1[offset + 5] ^= 0xFF
        var handshake = makeHandshake()
        var buffer = ByteBuffer(bytes: [3] + c1)
        let (_, s1, s2) = try parts(try handshake.feed(&buffer))
        #expect(!handshake.isDigestHandshake)
        #expect(Array(s1[4..<8]) == [0, 0, 0, 0])
        let s2EchoesC1 = s2 == c1
        #expect(s2EchoesC1)
    }

    @Test("C0 other than 3 fails on the first byte; 6 (RTMPE) says so", arguments: [UInt8(6), 0, 1, 4, 0x16, 0x47, 0xFF])
    func unsupportedVersion(version: UInt8) throws {
        var handshake = makeHandshake()
        var buffer = ByteBuffer(bytes: [version])
        #expect(throws: RTMPProtocolError.unsupportedHandshakeVersion(version)) {
            try handshake.feed(&buffer)
        }
        // stays failed
        var valid = ByteBuffer(bytes: [3] + Array(repeating: 0, count: 1536))
        #expect(throws: RTMPProtocolError.unsupportedHandshakeVersion(version)) {
            try handshake.feed(&valid)
        }
        if version == 6 {
            #expect(RTMPProtocolError.unsupportedHandshakeVersion(6).description.contains("RTMPE"))
        }
    }

    @Test("fed one byte at a time", arguments: [false, true])
    func byteByByte(digest: Bool) throws {
        var random = SeededRandom(seed: 3)
        var c1 = digest ? DigestClient.makeC1(scheme: 0, random: &random) : random.bytes(1536)
        if !digest { c1.replaceSubrange(4..<8, with: [0, 0, 0, 0]) }
        let c2 = random.bytes(1536)
        var handshake = makeHandshake()
        var buffer = ByteBuffer()
        var response: ByteBuffer?
        for byte in [3] + c1 {
            buffer.writeInteger(byte)
            switch try handshake.feed(&buffer) {
            case .needMoreData: continue
            case .send(let bytes): response = bytes
            case .completed: Issue.record("completed before C2")
            }
        }
        let sent = try #require(response)
        #expect(sent.readableBytes == 3073)
        #expect(buffer.readableBytes == 0)
        for (index, byte) in c2.enumerated() {
            buffer.writeInteger(byte)
            let action = try handshake.feed(&buffer)
            #expect(action == (index == c2.count - 1 ? .completed : .needMoreData))
        }
        if digest {
            let s2Verifies = DigestClient.verifiesS2(Array(sent.bytes[1537...]), c1: c1, scheme: 0)
            #expect(s2Verifies)
        }
    }

    @Test("C0, C1, C2 and the first chunk in one read: the chunk bytes stay in the buffer")
    func leftoverStaysInBuffer() throws {
        var random = SeededRandom(seed: 5)
        let c1 = DigestClient.makeC1(scheme: 1, random: &random)
        let chunk = RTMPWire.type0(csid: 3, timestamp: 0, length: 1, type: 20, streamID: 0) + [0x05]
        var buffer = ByteBuffer(bytes: [3] + c1 + random.bytes(1536) + chunk)
        var handshake = makeHandshake()
        guard case .send = try handshake.feed(&buffer) else {
            Issue.record("expected .send")
            return
        }
        #expect(try handshake.feed(&buffer) == .completed)
        #expect(buffer.bytes == chunk)
        var decoder = RTMPChunkDecoder()
        #expect(try decoder.next(from: &buffer)?.payload.bytes == [0x05])
    }

    @Test("the random parts come from the injected generator")
    func deterministicRandom() throws {
        let c1 = [UInt8](repeating: 0, count: 1536)
        var first = makeHandshake(seed: 1)
        var again = makeHandshake(seed: 1)
        var other = makeHandshake(seed: 2)
        var a = ByteBuffer(bytes: [3] + c1), b = a, c = a
        let (_, s1a, _) = try parts(try first.feed(&a))
        let (_, s1b, _) = try parts(try again.feed(&b))
        let (_, s1c, _) = try parts(try other.feed(&c))
        var system = RTMPHandshake()
        var d = ByteBuffer(bytes: [3] + c1)
        let (_, s1d, _) = try parts(try system.feed(&d))
        let sameSeedSame = s1a == s1b, otherSeedDiffers = s1a != s1c, systemDiffers = s1d != s1a
        #expect(sameSeedSame)
        #expect(otherSeedDiffers)
        #expect(systemDiffers)
    }
}

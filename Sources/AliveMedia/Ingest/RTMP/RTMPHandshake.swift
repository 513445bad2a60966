import NIOCore

/// Server side of the RTMP handshake (RTMP 1.0, 5.2) as a state machine:
/// C0+C1 arrive -> send S0+S1+S2 -> C2 arrives -> completed.
///
/// Supports the simple handshake and the "complex" digest handshake (Flash Player 9 style)
/// that librtmp (OBS) and ffmpeg send: when C1 carries a valid client digest (either offset
/// scheme), S1 carries a server digest at the same scheme and S2 ends with the digest keyed
/// by the client's digest, as those clients verify. Otherwise S1 has a zero version field
/// and S2 echoes C1. C2 is consumed but not verified (clients differ in what they put there).
///
/// Pure value type; random bytes are drawn once in `init`.
public struct RTMPHandshake: Sendable {
    public enum Action: Equatable, Sendable {
        /// Call again when more bytes arrived.
        case needMoreData
        /// Write these bytes (S0+S1+S2) to the peer, then call `feed` again with the same buffer.
        case send(ByteBuffer)
        /// C2 has been received. Bytes after it stay in the buffer: they are the first chunks
        /// for `RTMPChunkDecoder`. Further calls keep answering `.completed` without consuming.
        case completed
    }

    /// The only protocol version supported (plain RTMP; 6 is encrypted RTMPE).
    public static let protocolVersion: UInt8 = 3
    /// Size of C1, C2, S1 and S2.
    public static let packetSize = 1536
    /// Version field of a digest-handshake S1 (an FMS-like 4.5.0.1; ffmpeg only verifies a
    /// server digest when the first byte is 3 or more, librtmp when the field is non-zero).
    static let serverVersion: [UInt8] = [0x04, 0x05, 0x00, 0x01]

    private enum State {
        case waitingForC0C1
        case waitingForC2
        case completed
        case failed(RTMPProtocolError)
    }

    private var state: State = .waitingForC0C1
    private let serverTime: UInt32
    /// `packetSize` random bytes for S1 followed by `packetSize` random bytes for S2.
    private let randomBytes: [UInt8]

    /// Whether C1 carried a valid client digest and the digest handshake was answered.
    public private(set) var isDigestHandshake = false
    /// Handshake bytes consumed from the peer (C0, C1, C2); RTMP counts them for Acknowledgements.
    public private(set) var bytesReceived: UInt64 = 0

    /// - Parameters:
    ///   - randomNumberGenerator: source of the random parts of S1 and S2.
    ///   - serverTime: the time field of S1 (milliseconds, any epoch; 0 is allowed).
    public init(randomNumberGenerator: inout some RandomNumberGenerator, serverTime: UInt32 = 0) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 * Self.packetSize)
        while bytes.count < 2 * Self.packetSize {
            withUnsafeBytes(of: randomNumberGenerator.next()) { bytes.append(contentsOf: $0) }
        }
        self.randomBytes = bytes
        self.serverTime = serverTime
    }

    /// Uses `SystemRandomNumberGenerator`.
    public init(serverTime: UInt32 = 0) {
        var generator = SystemRandomNumberGenerator()
        self.init(randomNumberGenerator: &generator, serverTime: serverTime)
    }

    /// Consumes handshake bytes from `buffer` and says what to do next. Call it again after
    /// `.send` (C2 may already be in the buffer) until it answers `.needMoreData` or `.completed`.
    /// Throws `RTMPProtocolError.unsupportedHandshakeVersion` as soon as C0 is not 3.
    public mutating func feed(_ buffer: inout ByteBuffer) throws -> Action {
        switch state {
        case .failed(let error):
            throw error
        case .completed:
            return .completed
        case .waitingForC0C1:
            guard let version = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
            guard version == Self.protocolVersion else {
                let error = RTMPProtocolError.unsupportedHandshakeVersion(version)
                state = .failed(error)
                throw error
            }
            guard buffer.readableBytes >= 1 + Self.packetSize else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: 1)
            let c1 = buffer.readBytes(length: Self.packetSize)!
            bytesReceived += UInt64(1 + Self.packetSize)
            state = .waitingForC2
            return .send(response(to: c1))
        case .waitingForC2:
            guard buffer.readableBytes >= Self.packetSize else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: Self.packetSize)
            bytesReceived += UInt64(Self.packetSize)
            state = .completed
            return .completed
        }
    }

    /// S0 + S1 + S2 for `c1`.
    private mutating func response(to c1: [UInt8]) -> ByteBuffer {
        var s1 = Array(randomBytes[..<Self.packetSize])
        withUnsafeBytes(of: serverTime.bigEndian) { s1.replaceSubrange(0..<4, with: $0) }
        var s2: [UInt8]

        // A simple-handshake C1 has zeros where a digest C1 has the client version.
        let clientDigest = c1[4..<8].allSatisfy { $0 == 0 } ? nil : RTMPHandshakeDigest.findClientDigest(in: c1)
        if let clientDigest {
            isDigestHandshake = true
            s1.replaceSubrange(4..<8, with: Self.serverVersion)
            let offset = clientDigest.scheme.digestOffset(in: s1)
            let serverDigest = RTMPHandshakeDigest.digest(
                of: s1,
                skippingDigestAt: offset,
                key: Array(RTMPHandshakeDigest.serverKey[..<RTMPHandshakeDigest.serverPartialKeyLength])
            )
            s1.replaceSubrange(offset..<(offset + RTMPHandshakeDigest.digestLength), with: serverDigest)

            // S2: random bytes ending with HMAC(key: HMAC(serverKey, client digest), the rest of S2).
            let digestBytes = c1[clientDigest.offset..<(clientDigest.offset + RTMPHandshakeDigest.digestLength)]
            let s2Key = RTMPHandshakeDigest.hmac(digestBytes, key: RTMPHandshakeDigest.serverKey)
            s2 = Array(randomBytes[Self.packetSize...])
            let signedLength = Self.packetSize - RTMPHandshakeDigest.digestLength
            let signature = RTMPHandshakeDigest.hmac(s2[..<signedLength], key: s2Key)
            s2.replaceSubrange(signedLength..., with: signature)
        } else {
            s1.replaceSubrange(4..<8, with: [0, 0, 0, 0])
            s2 = c1
        }

        var out = ByteBuffer()
        out.reserveCapacity(1 + 2 * Self.packetSize)
        out.writeInteger(Self.protocolVersion)
        out.writeBytes(s1)
        out.writeBytes(s2)
        return out
    }
}

import Crypto

/// The HMAC-SHA256 digests of the "complex" (Flash Player 9) RTMP handshake.
///
/// Not part of the published RTMP specification; every RTMP server and client implements it
/// the same way (librtmp `handshake.h`, ffmpeg `rtmpproto.c`, nginx-rtmp): a 1536-byte handshake
/// packet holds a 32-byte digest at an offset computed from four of its own bytes; the digest is
/// the HMAC of the other 1504 bytes. It only shows that a peer knows the well-known keys.
enum RTMPHandshakeDigest {
    static let digestLength = 32

    /// Shared second half of both well-known keys.
    private static let keyTail: [UInt8] = [
        0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
        0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE,
    ]
    /// "Genuine Adobe Flash Media Server 001" + tail (68 bytes). The first 36 bytes key S1's digest,
    /// the whole key derives the key of S2's digest.
    static let serverKey: [UInt8] = Array("Genuine Adobe Flash Media Server 001".utf8) + keyTail
    static let serverPartialKeyLength = 36
    /// "Genuine Adobe Flash Player 001" + tail (62 bytes). The first 30 bytes key C1's digest.
    static let clientKey: [UInt8] = Array("Genuine Adobe Flash Player 001".utf8) + keyTail
    static let clientPartialKeyLength = 30

    /// Where the digest sits: scheme 0 derives the offset from bytes 8...11 (digest block first,
    /// what librtmp and ffmpeg send), scheme 1 from bytes 772...775 (key block first).
    enum Scheme: Int, CaseIterable, Sendable {
        case scheme0 = 0
        case scheme1 = 1

        func digestOffset(in packet: [UInt8]) -> Int {
            let base = self == .scheme0 ? 8 : 772
            let sum = Int(packet[base]) + Int(packet[base + 1]) + Int(packet[base + 2]) + Int(packet[base + 3])
            return sum % 728 + base + 4
        }
    }

    /// HMAC-SHA256 of `packet` without the 32 digest bytes at `offset`.
    static func digest(of packet: [UInt8], skippingDigestAt offset: Int, key: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        hmac.update(data: packet[..<offset])
        hmac.update(data: packet[(offset + digestLength)...])
        return Array(hmac.finalize())
    }

    static func hmac(_ message: some Sequence<UInt8>, key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: key)))
    }

    /// The scheme and offset of a valid client digest in C1, or nil for a simple-handshake C1.
    static func findClientDigest(in c1: [UInt8]) -> (scheme: Scheme, offset: Int)? {
        let key = Array(clientKey[..<clientPartialKeyLength])
        for scheme in Scheme.allCases {
            let offset = scheme.digestOffset(in: c1)
            if digest(of: c1, skippingDigestAt: offset, key: key)[...] == c1[offset..<(offset + digestLength)] {
                return (scheme, offset)
            }
        }
        return nil
    }
}

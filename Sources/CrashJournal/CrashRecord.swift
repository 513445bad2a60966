/// The fake "signed transaction" the crash helper journals: a text naming its seq,
/// src, segments and signing, closed by a checksum over all of it, so a record torn
/// by a kill (or mixed up with another one) is detected when read back.
enum CrashRecord {
    static func body(seq: Int64, src: String, segments: [Int64], signing: Int) -> String {
        let text = "seq=\(seq);src=\(src);segments=\(segments.map(String.init).joined(separator: ","));signing=\(signing)"
        return text + ";check=" + String(checksum(text), radix: 16)
    }

    static func transactionID(body: String) -> String {
        "tx" + String(checksum(body), radix: 16)
    }

    /// True when `body` is intact and describes exactly this push.
    static func verify(body: String, seq: Int64, src: String, segments: [Int64], signing: Int) -> Bool {
        body == Self.body(seq: seq, src: src, segments: segments, signing: signing)
    }

    /// FNV-1a, 64-bit: enough to catch torn or swapped text, no crypto needed.
    static func checksum(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func segmentCID(_ sequence: Int64) -> String { "seg\(sequence)" }
    static func segmentDuration(_ sequence: Int64) -> Double { 2 + Double(sequence % 7) / 4 }
    static func chunkCID(_ segments: [Int64]) -> String { "chunk\(segments.first!)-\(segments.last!)" }
}

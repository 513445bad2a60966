/// H.264 byte-stream (Annex B, start codes) to what the segmenter takes: length-prefixed
/// NAL units (AVCC, 4-byte lengths) and the `AVCDecoderConfigurationRecord` built from the
/// stream's SPS and PPS. Pure functions over bytes.
public enum AnnexB {
    public static let nalSPS: UInt8 = 7
    public static let nalPPS: UInt8 = 8
    public static let nalAUD: UInt8 = 9
    public static let nalIDR: UInt8 = 5

    /// The NAL units between start codes (00 00 01 or 00 00 00 01), without them.
    public static func nalUnits(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        var units: [UnsafeRawBufferPointer] = []
        let count = bytes.count
        var index = 0
        var start: Int?
        while index + 2 < count {
            if bytes[index] == 0 && bytes[index + 1] == 0 && bytes[index + 2] == 1 {
                if let start {
                    var end = index
                    while end > start && bytes[end - 1] == 0 { end -= 1 }   // trailing zero of a 4-byte start code
                    if end > start { units.append(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) }
                }
                index += 3
                start = index
            } else {
                index += 1
            }
        }
        if let start, start < count { units.append(UnsafeRawBufferPointer(rebasing: bytes[start..<count])) }
        return units
    }

    public static func nalUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        bytes.withUnsafeBytes { nalUnits($0).map { Array($0) } }
    }

    /// One access unit as 4-byte length-prefixed NAL units (access unit delimiters left out).
    public static func lengthPrefixed(_ units: [UnsafeRawBufferPointer]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(units.reduce(0) { $0 + $1.count + 4 })
        for unit in units where !unit.isEmpty && unit[0] & 0x1F != nalAUD {
            let length = UInt32(unit.count)
            out += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            out += unit
        }
        return out
    }

    /// `AVCDecoderConfigurationRecord` (ISO 14496-15 5.2.4.1) for one SPS and PPS, with
    /// 4-byte NAL lengths. nil when the SPS is too short to hold profile and level.
    public static func decoderConfigurationRecord(sps: [UInt8], pps: [UInt8]) -> [UInt8]? {
        guard sps.count >= 4, !pps.isEmpty, sps.count <= 0xFFFF, pps.count <= 0xFFFF else { return nil }
        var record: [UInt8] = [1, sps[1], sps[2], sps[3], 0xFC | 3, 0xE0 | 1]
        record += [UInt8(sps.count >> 8), UInt8(sps.count & 0xFF)] + sps
        record += [1, UInt8(pps.count >> 8), UInt8(pps.count & 0xFF)] + pps
        return record
    }

    /// True when the access unit holds an IDR slice.
    public static func containsIDR(_ units: [UnsafeRawBufferPointer]) -> Bool {
        units.contains { !$0.isEmpty && $0[0] & 0x1F == nalIDR }
    }
}

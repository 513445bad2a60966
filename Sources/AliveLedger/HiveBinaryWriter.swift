/// Hive's (Graphene's) binary serialization primitives: little-endian integers,
/// unsigned LEB128 varints, strings as varint length + UTF-8 bytes.
struct HiveBinaryWriter {
    private(set) var bytes: [UInt8] = []

    mutating func appendUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        repeat {
            var byte = UInt8(rest & 0x7F)
            rest >>= 7
            if rest != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while rest != 0
    }

    mutating func appendString(_ text: String) {
        appendVarint(UInt64(text.utf8.count))
        bytes.append(contentsOf: text.utf8)
    }

    mutating func appendStrings(_ texts: [String]) {
        appendVarint(UInt64(texts.count))
        for text in texts { appendString(text) }
    }
}

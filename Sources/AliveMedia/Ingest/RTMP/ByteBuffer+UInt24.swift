import NIOCore

/// The 24-bit big-endian integers of RTMP chunk headers and FLV tags: the one reader and
/// writer for them.
extension ByteBuffer {
    /// Big-endian 24-bit unsigned integer at `index`, or nil when fewer than 3 bytes are readable there.
    func getUInt24(at index: Int) -> UInt32? {
        guard let high = getInteger(at: index, as: UInt8.self),
              let middle = getInteger(at: index + 1, as: UInt8.self),
              let low = getInteger(at: index + 2, as: UInt8.self)
        else { return nil }
        return UInt32(high) << 16 | UInt32(middle) << 8 | UInt32(low)
    }

    /// Reads a big-endian 24-bit unsigned integer; nil (nothing consumed) when fewer than 3 bytes remain.
    mutating func readUInt24() -> UInt32? {
        guard let value = getUInt24(at: readerIndex) else { return nil }
        moveReaderIndex(forwardBy: 3)
        return value
    }

    /// Writes the low 24 bits of `value`, big-endian.
    mutating func writeUInt24(_ value: UInt32) {
        writeInteger(UInt8((value >> 16) & 0xFF))
        writeInteger(UInt8((value >> 8) & 0xFF))
        writeInteger(UInt8(value & 0xFF))
    }
}

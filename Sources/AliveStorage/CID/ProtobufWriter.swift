/// The few protocol-buffer encodings dag-pb and UnixFS need: varints, and
/// length-delimited and varint fields. Hand-written because it is this small; field
/// order follows the field numbers, as the Go encoders behind Kubo write it (except
/// PBNode, where dag-pb puts `Links` before `Data`; the caller orders those).
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    static func varintLength(_ value: UInt64) -> Int {
        var length = 1
        var rest = value >> 7
        while rest != 0 {
            length += 1
            rest >>= 7
        }
        return length
    }

    mutating func appendVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Wire type 0.
    mutating func appendVarintField(_ number: UInt64, _ value: UInt64) {
        appendVarint(number << 3)
        appendVarint(value)
    }

    /// Wire type 2 with the payload.
    mutating func appendBytesField(_ number: UInt64, _ payload: [UInt8]) {
        appendLengthDelimitedHeader(number, length: payload.count)
        bytes.append(contentsOf: payload)
    }

    /// Wire type 2 header only, for payloads hashed in place rather than copied.
    mutating func appendLengthDelimitedHeader(_ number: UInt64, length: Int) {
        appendVarint(number << 3 | 2)
        appendVarint(UInt64(length))
    }
}

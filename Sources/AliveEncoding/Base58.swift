/// Base58 with the Bitcoin alphabet, as Hive (WIF, public keys) and Avalon (keys,
/// signatures) use it, and IPFS for CIDv0 (multibase `z`). Hand-written: small, and no
/// kept package offers it. Checksums are not part of it; the key formats add their own.
///
/// Its own target because AliveLedger (keys) and AliveStorage (CIDs) both need it and
/// neither should depend on the other: storage has no business linking secp256k1, the
/// ledger none linking libcurl.
public enum Base58 {
    public enum DecodingError: Error, Sendable, Equatable {
        /// Longer than `maximumTextLength`.
        case tooLong
        /// A character outside the alphabet.
        case notBase58
    }

    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    private static let indexes: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int8(i) }
        return table
    }()

    /// Inputs are keys and signatures; the bound keeps the quadratic decoding cheap
    /// when a configuration value is garbage.
    public static let maximumTextLength = 256

    public static func encode(_ bytes: [UInt8]) -> String {
        let zeros = bytes.prefix { $0 == 0 }.count
        // log(256) / log(58) ≈ 1.37: enough base-58 digits for the number.
        let digits = convert(bytes[zeros...].lazy.map(Int.init), from: 256, to: 58, capacity: (bytes.count - zeros) * 138 / 100 + 1)
        let out = [UInt8](repeating: alphabet[0], count: zeros) + digits.map { alphabet[Int($0)] }
        return String(decoding: out, as: UTF8.self)
    }

    /// The error never holds the text (it may be a key).
    public static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        let chars = Array(text.utf8)
        guard chars.count <= maximumTextLength else { throw .tooLong }
        let zeros = chars.prefix { $0 == alphabet[0] }.count
        var values: [Int] = []
        values.reserveCapacity(chars.count - zeros)
        for char in chars[zeros...] {
            guard char < 128, indexes[Int(char)] >= 0 else { throw .notBase58 }
            values.append(Int(indexes[Int(char)]))
        }
        // log(58) / log(256) ≈ 0.733: enough bytes for the number.
        return [UInt8](repeating: 0, count: zeros) + convert(values, from: 58, to: 256, capacity: values.count * 733 / 1000 + 1)
    }

    /// The digits (most significant first) of the number `input` spells in base `from`,
    /// in base `to`, without leading zeros; `capacity` bounds how many there can be.
    private static func convert(_ input: some Sequence<Int>, from: Int, to: Int, capacity: Int) -> ArraySlice<UInt8> {
        var digits = [UInt8](repeating: 0, count: capacity)
        var length = 0
        for value in input {
            var carry = value
            var i = 0
            var index = digits.count - 1
            while carry != 0 || i < length {
                carry += from * Int(digits[index])
                digits[index] = UInt8(carry % to)
                carry /= to
                i += 1
                index -= 1
            }
            length = i
        }
        return digits[(digits.count - length)...]
    }
}

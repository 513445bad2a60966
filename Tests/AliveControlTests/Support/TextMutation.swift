import AliveTestSupport

/// Seeded edits of valid TOML and JSON, like libFuzzer's (bit flips, inserts, deletes,
/// duplicates, truncation), plus the tokens of both languages so mutants stay near the
/// grammar instead of failing at the first byte.
enum TextMutation {
    static let tokens: [String] = [
        "[", "]", "[[", "]]", "{", "}", "\"", "'", "'''", "\"\"\"", "=", ",", ".", "\n", "\r\n", "\\", "\\u0000", "\\U0010FFFF", "\\x",
        "#", " ", "\t", "nan", "inf", "-inf", "+nan", "1e400", "-0.0", "0x7f", "0o7", "0b1", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "1979-05-27T07:32:00Z", "true", "false", "null", "[publishing]", "[storage.evil]", "a.b.c", "\u{0}", "é", "🎥",
        "{\"a\":", "[[[[[[[[[[[[", "]]]]]]]]]]]]", "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}",
    ]

    /// `edits` random edits (JSON takes fewer than TOML before it stops parsing at all).
    static func mutate(_ input: [UInt8], edits: ClosedRange<Int> = 1...4, using random: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: edits, using: &random) {
            let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            case 1, 2:
                bytes.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: index)
            case 3:
                bytes.insert(contentsOf: random.bytes(Int.random(in: 1...8, using: &random)), at: index)
            case 4 where !bytes.isEmpty:
                bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...16, using: &random)))
            case 5 where !bytes.isEmpty:
                let slice = bytes[index..<min(bytes.count, index + Int.random(in: 1...64, using: &random))]
                bytes.insert(contentsOf: slice, at: Int.random(in: 0...bytes.count, using: &random))
            case 6 where !bytes.isEmpty:
                bytes.removeSubrange(index...)
            default:
                if !bytes.isEmpty { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            }
        }
        return bytes
    }
}

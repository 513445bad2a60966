import AliveTestSupport
@testable import AliveControl

/// Random configuration trees for the round-trip tests: keys and strings with what breaks
/// naive writers (quotes, backslashes, newlines, brackets, `=`, `#`, dots, control
/// characters, NUL, non-ASCII, the empty string) and values of every kind, including the
/// numbers TOML writers get wrong (NaN, infinities, -0.0, the extremes of Int and Double).
enum RandomConfigValue {
    static let pieces = [
        "", "a", "key", "end_on_stop", "x = 1", "=", "\"", "\\", "'", "''", "'''", "\"\"\"", "\n", "\r\n", "\t", "[", "]", "[[", "]]",
        "[storage.evil]", ".", "#", " ", "{", "}", ",", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "é", "日本", "🎥", "\u{2028}", "\u{FEFF}",
        "\u{202E}", "\\u0000", "${x}", "-", "_", "1", "true", "inf", "nan",
    ]

    static func text(using random: inout SeededRandom) -> String {
        (0..<Int.random(in: 0...4, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static let doubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 1.5, 1e16, 1e-7, 1e308, -1e308, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
        .nan, .infinity, -.infinity, 123_456_789.123_456_789,
    ]

    static let integers = [0, 1, -1, 42, Int.max, Int.min, Int.min + 1, 1 << 53, -(1 << 53) - 1]

    static func scalar(using random: inout SeededRandom) -> ConfigValue {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return .string(text(using: &random))
        case 1: return .integer(Bool.random(using: &random) ? integers.randomElement(using: &random)! : Int.random(in: Int.min...Int.max, using: &random))
        case 2: return .double(doubles.randomElement(using: &random)!)
        case 3: return .double(Double(bitPattern: random.next()))
        case 4: return .boolean(Bool.random(using: &random))
        default: return .integer(Int.random(in: -1000...1000, using: &random))
        }
    }

    /// A value up to `depth` levels deep (tables and arrays get rarer as it deepens).
    static func value(depth: Int, using random: inout SeededRandom) -> ConfigValue {
        guard depth > 0, Int.random(in: 0..<3, using: &random) == 0 else { return scalar(using: &random) }
        if Bool.random(using: &random) {
            return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth: depth - 1, using: &random) })
        }
        return table(depth: depth - 1, using: &random)
    }

    static func table(depth: Int, using random: inout SeededRandom) -> ConfigValue {
        var fields: [String: ConfigValue] = [:]
        for _ in 0..<Int.random(in: 0...4, using: &random) { fields[text(using: &random)] = value(depth: depth, using: &random) }
        return .table(fields)
    }

    /// A patch for the store: mostly inside `[publishing]` (which the box keeps as written,
    /// so almost anything reaches the writer), sometimes at the root or in a box table.
    static func patch(using random: inout SeededRandom) -> ConfigValue {
        let body = table(depth: Int.random(in: 0...9, using: &random), using: &random)
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return body
        case 1: return .table(["ingest": body])
        case 2: return .table(["segments": .table(["seconds": .integer(Int.random(in: 1...10, using: &random))]), "publishing": body])
        default: return .table(["publishing": body])
        }
    }
}

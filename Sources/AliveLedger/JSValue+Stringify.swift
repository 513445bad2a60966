extension JSValue {
    /// Largest integer magnitude a JavaScript number holds exactly.
    static let maximumSafeInteger: Int64 = 9_007_199_254_740_991

    /// Exactly what JavaScript's `JSON.stringify` prints for this value: no spaces,
    /// `/` and non-ASCII left as they are, control characters as `\uXXXX`, numbers
    /// printed the JS way (`10.0` → `10`), and object keys in JavaScript's own order:
    /// integer-like keys ("240", "1080") first in ascending order, then the others in
    /// insertion order. That last rule matters: a JS node re-stringifies what it
    /// parsed, so a hash over any other order would not verify there.
    /// Throws for non-finite numbers and unsafe integers (JS would print `null` or
    /// round them: both would change the signed text).
    public func jsonText() throws -> String {
        var out = ""
        try write(into: &out)
        return out
    }

    func write(into out: inout String) throws {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value):
            guard value >= -Self.maximumSafeInteger, value <= Self.maximumSafeInteger else {
                throw LedgerError.invalidInput("integer \(value) is beyond what JavaScript holds exactly")
            }
            out += String(value)
        case .number(let value): out += try JSNumberFormat.string(value)
        case .string(let value): Self.writeQuoted(value, into: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                try element.write(into: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (i, member) in Self.javaScriptKeyOrder(object.members).enumerated() {
                if i > 0 { out += "," }
                Self.writeQuoted(member.key, into: &out)
                out += ":"
                try member.value.write(into: &out)
            }
            out += "}"
        }
    }

    /// OrdinaryOwnPropertyKeys: array indices (canonical integers 0 … 2^32 − 2)
    /// ascending, then string keys in insertion order.
    static func javaScriptKeyOrder(_ members: [JSObject.Member]) -> [JSObject.Member] {
        let indexed = members.compactMap { member in arrayIndex(member.key).map { ($0, member) } }
        guard !indexed.isEmpty else { return members }
        return indexed.sorted { $0.0 < $1.0 }.map(\.1) + members.filter { arrayIndex($0.key) == nil }
    }

    static func arrayIndex(_ key: String) -> UInt32? {
        let utf8 = Array(key.utf8)
        guard !utf8.isEmpty, utf8.count <= 10, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard utf8.count == 1 || utf8[0] != 0x30 else { return nil }  // "01" is a string key
        guard let value = UInt64(key), value <= 4_294_967_294 else { return nil }
        return UInt32(value)
    }

    /// QuoteJSONString from ECMA-262.
    static func writeQuoted(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

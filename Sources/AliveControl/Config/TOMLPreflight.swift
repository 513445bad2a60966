/// Finds, before the TOML reader sees a text, the mistakes it aborts the whole process on
/// instead of reporting. toml++ 3.4.0 (inside TOMLKit 0.6.0) checks these with `assert`, and
/// SwiftPM builds C++ without `NDEBUG` in release too, so one stray character in a
/// hand-edited file killed `alived run` (and `alived config check`) at every start:
/// - a table header whose first character cannot begin a key: `[}`, `[=`, `[ #`, `[.a]`;
/// - an array element that begins with `}`: `x = [}`, `x = [1, }` (also across lines).
/// It also refuses NUL, which TOML allows nowhere and the reader takes as the end of the text.
/// (The seeded ConfigFuzzTests found the first two; TOMLPreflightTests holds each shape.)
///
/// The scan follows the reader's contexts (statements, headers, strings of every kind,
/// comments, arrays and inline tables) closely enough to be exact on valid text. On text
/// the reader would reject anyway it is tolerant: it may name one of these shapes where the
/// reader would have named an earlier mistake, and it never stops early.
enum TOMLPreflight {
    /// The first of these shapes in `text`, as a problem with its line; nil when there is none.
    static func problem(in text: String) -> ConfigurationProblem? {
        var scanner = Scanner(bytes: Array(text.utf8))
        guard let (offset, reason) = scanner.firstTrap() else { return nil }
        return ConfigurationProblem(path: "(file)", reason: "line \(scanner.line(at: offset)): \(reason)")
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        func line(at offset: Int) -> Int {
            1 + bytes[..<offset].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private static func isBareKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }

        mutating func firstTrap() -> (Int, String)? {
            if let nul = bytes.firstIndex(of: 0) { return (nul, "a NUL character (TOML allows none)") }
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }   // the reader skips a UTF-8 byte order mark
            while index < bytes.count {
                skipSpaceNewlinesAndComments()
                guard let byte = current else { return nil }
                if byte == UInt8(ascii: "[") {
                    if let trap = header() { return trap }
                } else if let trap = keyValue() {
                    return trap
                }
            }
            return nil
        }

        /// `[` at the start of a statement: the first character after `[` or `[[` (and
        /// spaces) must begin a key, or be `]` (which the reader reports itself).
        private mutating func header() -> (Int, String)? {
            index += 1
            let spaced = skipSpaces()
            if !spaced, current == UInt8(ascii: "[") {
                index += 1
                skipSpaces()
            }
            if let byte = current, !(Self.isBareKeyByte(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "]")) {
                return (index, "a table header must begin with a key, not \(Self.shown(byte))")
            }
            // The rest of the header's line: keys, quoted keys, then a comment.
            while let byte = current, byte != UInt8(ascii: "\n") {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { skipString() }
                else if byte == UInt8(ascii: "#") { skipComment() }
                else { index += 1 }
            }
            return nil
        }

        /// `key = value` up to the newline that ends it outside strings and brackets.
        private mutating func keyValue() -> (Int, String)? {
            while let byte = current, byte != UInt8(ascii: "="), byte != UInt8(ascii: "\n") {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") { skipString() } else { index += 1 }
            }
            guard current == UInt8(ascii: "=") else { return nil }
            index += 1
            return value(endingAtNewline: true)
        }

        /// A value and everything nested in it. `open` holds the brackets not yet closed;
        /// at an array's element start (after `[` or `,`), `}` is the trap.
        private mutating func value(endingAtNewline: Bool) -> (Int, String)? {
            var open: [UInt8] = []
            var elementStart = false
            while current != nil {
                if open.last == UInt8(ascii: "[") {
                    // Arrays may span lines and hold comments between elements.
                    skipSpaceNewlinesAndComments()
                } else {
                    skipSpaces()
                    if current == UInt8(ascii: "#") { skipComment() }
                }
                guard let byte = current else { return nil }
                if elementStart, byte == UInt8(ascii: "}") {
                    return (index, "an array element cannot begin with '}'")
                }
                elementStart = false
                switch byte {
                case UInt8(ascii: "\n"):
                    if open.isEmpty && endingAtNewline { return nil }
                    index += 1   // a newline inside an inline table: the reader reports it
                case UInt8(ascii: "["):
                    open.append(byte)
                    elementStart = true
                    index += 1
                case UInt8(ascii: "{"):
                    open.append(byte)
                    index += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    if !open.isEmpty { open.removeLast() }
                    index += 1
                case UInt8(ascii: ","):
                    elementStart = open.last == UInt8(ascii: "[")
                    index += 1
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString()
                default:
                    index += 1   // numbers, booleans, dates, keys and `=` inside inline tables
                }
            }
            return nil
        }

        @discardableResult
        private mutating func skipSpaces() -> Bool {
            let start = index
            while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { index += 1 }
            return index > start
        }

        private mutating func skipComment() {
            while let byte = current, byte != UInt8(ascii: "\n") { index += 1 }
        }

        private mutating func skipSpaceNewlinesAndComments() {
            while let byte = current {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): index += 1
                case UInt8(ascii: "#"): skipComment()
                default: return
                }
            }
        }

        /// Any of TOML's four strings, from its opening quote to just past its end (or the
        /// end of the line, for an unfinished one-line string).
        private mutating func skipString() {
            let quote = bytes[index]
            let escapes = quote == UInt8(ascii: "\"")
            if bytes[index...].starts(with: [quote, quote, quote]) {
                index += 3
                while index < bytes.count {
                    if escapes && bytes[index] == UInt8(ascii: "\\") { index += 2; continue }
                    if bytes[index] == quote {
                        var run = 0
                        while current == quote { run += 1; index += 1 }
                        // Up to two quotes may end the content, right before the closing three.
                        if run >= 3 { return }
                        continue
                    }
                    index += 1
                }
                return
            }
            index += 1
            while let byte = current, byte != UInt8(ascii: "\n") {
                index += 1
                if byte == quote { return }
                if escapes && byte == UInt8(ascii: "\\"), current != nil, current != UInt8(ascii: "\n") { index += 1 }
            }
        }

        private static func shown(_ byte: UInt8) -> String {
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): "the end of the line"
            case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
            default: "byte 0x\(String(byte, radix: 16, uppercase: true))"
            }
        }
    }
}

import TOMLKit

extension BoxConfiguration {
    /// Reads a TOML configuration file (see `init(tree:)` for the rules).
    public static func parse(toml text: String) throws -> BoxConfiguration {
        // What would abort the TOML reader is refused before it sees the text.
        if let problem = TOMLPreflight.problem(in: text) { throw ConfigurationError(problems: [problem]) }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "line \(error.source.begin.line): \(error.description)")])
        }
        return try BoxConfiguration(tree: ConfigValue(toml: table))
    }

    /// The configuration as a TOML file a person can edit. Every key goes through
    /// `TOMLString.key`: a key from the API is data, never TOML syntax (a key holding
    /// `"x = 1\n[storage.evil]"` must stay one key, not become a new table in the file).
    public func renderTOML() -> String {
        guard case .table(let root) = tree else { return "" }
        var lines = ["# alived configuration. Secrets (stream key, keys, page password) live in secrets.toml, mode 0600."]
        for (key, value) in root.sorted(by: { $0.key < $1.key }) where !value.isTable {
            lines.append("\(TOMLString.key(key)) = \(value.tomlLiteral)")
        }
        for (section, value) in root.sorted(by: { $0.key < $1.key }) {
            guard case .table(let fields) = value else { continue }
            lines.append("")
            lines.append("[\(TOMLString.key(section))]")
            for (key, field) in fields.sorted(by: { $0.key < $1.key }) { lines.append("\(TOMLString.key(key)) = \(field.tomlLiteral)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ConfigValue {
    init(toml value: TOMLValueConvertible) {
        if let table = value.table {
            var fields: [String: ConfigValue] = [:]
            for key in table.keys { if let child = table[key] { fields[key] = ConfigValue(toml: child) } }
            self = .table(fields)
        } else if let array = value.array {
            self = .array(array.map { ConfigValue(toml: $0) })
        } else if let bool = value.bool, value.type == .bool {
            self = .boolean(bool)
        } else if let int = value.int, value.type == .int {
            self = .integer(int)
        } else if let double = value.double, value.type == .double {
            self = .double(double)
        } else if let string = value.string {
            self = .string(string)
        } else {
            self = .string(String(describing: value))   // dates and times: shown as text, rejected by type checks
        }
    }

    var isTable: Bool {
        if case .table = self { return true }
        return false
    }

    /// TOML literal for a scalar (tables are written as sections by `renderTOML`).
    var tomlLiteral: String {
        switch self {
        case .string(let string): return TOMLString.quote(string)
        case .integer(let int): return String(int)
        // Non-finite numbers never get here (`fileProblems` refuses them); should one, TOML
        // spells it out rather than writing text that no longer parses.
        case .double(let double): return double.isNaN ? "nan" : double.isFinite ? String(double) : (double < 0 ? "-inf" : "inf")
        case .boolean(let bool): return bool ? "true" : "false"
        case .array(let values): return "[" + values.map(\.tomlLiteral).joined(separator: ", ") + "]"
        case .table(let fields): return "{ " + fields.sorted { $0.key < $1.key }.map { "\(TOMLString.key($0.key)) = \($0.value.tomlLiteral)" }.joined(separator: ", ") + " }"
        }
    }
}

/// TOML basic strings: quotes, backslashes and control characters escaped.
enum TOMLString {
    /// A key TOML accepts unquoted: letters, digits, `-` and `_`.
    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    /// A key as TOML must spell it: bare when it can be, else quoted. Problem paths use the
    /// same spelling, so a path names its keys as the file would.
    static func key(_ key: String) -> String {
        isBareKey(key) ? key : quote(key)
    }

    /// The dotted path of `key` below `parent` ("" for the root), as problems name it.
    static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? Self.key(key) : "\(parent).\(Self.key(key))"
    }

    static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

import Foundation

extension ConfigValue {
    /// The value as TOMLKit holds it, for a stage that reads its own table with TOMLKit
    /// (AlivePublish's `[publishing]`): the tree is handed over as it is, never printed and
    /// parsed again. A scalar at the top is wrapped in no table: callers pass a table.
    public var tomlValue: TOMLValueConvertible {
        switch self {
        case .string(let value): value
        case .integer(let value): value
        case .double(let value): value
        case .boolean(let value): value
        case .array(let values): TOMLArray(values.map(\.tomlValue))
        case .table(let fields):
            {
                let table = TOMLTable()
                for (key, field) in fields { table[key] = field.tomlValue }
                return table
            }()
        }
    }
}

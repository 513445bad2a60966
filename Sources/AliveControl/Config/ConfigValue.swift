/// A configuration as a tree of plain values: what both the TOML file and the JSON API
/// carry. `BoxConfiguration` is read from and written to this one form, so the file and
/// the API share the same names, checks and error paths.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case double(Double)
    case boolean(Bool)
    case table([String: ConfigValue])
    case array([ConfigValue])

    var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .double: "a number"
        case .boolean: "a boolean"
        case .table: "a table"
        case .array: "an array"
        }
    }

    /// `other` laid over `self`: tables merge key by key (a JSON merge patch without deletes).
    func merging(_ other: ConfigValue) -> ConfigValue {
        guard case .table(var base) = self, case .table(let patch) = other else { return other }
        for (key, value) in patch {
            base[key] = base[key].map { $0.merging(value) } ?? value
        }
        return .table(base)
    }
}

extension ConfigValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Order matters: a JSON `true` must not become 1, nor 3 become 3.0.
        if let value = try? container.decode(Bool.self) { self = .boolean(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([String: ConfigValue].self) { self = .table(value) }
        else if let value = try? container.decode([ConfigValue].self) { self = .array(value) }
        else { throw DecodingError.dataCorruptedError(in: container, debugDescription: "null is not a configuration value") }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .boolean(let value): try container.encode(value)
        case .table(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        }
    }
}

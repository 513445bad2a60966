/// One AMF0 value (Action Message Format 0, Adobe AMF0 specification, section 2).
///
/// Only the types RTMP commands and metadata use are represented; the decoder rejects
/// references, XML documents, typed objects and AMF3 values with a clear error.
public indirect enum AMF0Value: Sendable, Equatable {
    case number(Double)
    case boolean(Bool)
    /// UTF-8 string; the encoder writes it as a long string when it is over 65_535 bytes.
    case string(String)
    case object(AMF0Object)
    case null
    case undefined
    /// Associative array (onMetaData uses it); keys are kept in wire order.
    case ecmaArray(AMF0Object)
    case strictArray([AMF0Value])
    /// Milliseconds since 1970-01-01 UTC (the time-zone field is written as 0 and ignored when read).
    case date(Double)
    case longString(String)

    /// The text of a `.string` or `.longString`.
    public var stringValue: String? {
        switch self {
        case .string(let value), .longString(let value): return value
        default: return nil
        }
    }

    /// The value of a `.number`.
    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The value of a `.boolean`.
    public var booleanValue: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    /// The properties of an `.object` or `.ecmaArray`.
    public var objectValue: AMF0Object? {
        switch self {
        case .object(let object), .ecmaArray(let object): return object
        default: return nil
        }
    }

    /// The elements of a `.strictArray`.
    public var arrayValue: [AMF0Value]? {
        if case .strictArray(let values) = self { return values }
        return nil
    }

    /// Whether this is `.null` or `.undefined` (commands use either for "no argument").
    public var isNullOrUndefined: Bool {
        switch self {
        case .null, .undefined: return true
        default: return false
        }
    }

    /// The first property named `key` of an `.object` or `.ecmaArray`; nil for other values.
    public subscript(key: String) -> AMF0Value? {
        objectValue?[key]
    }
}

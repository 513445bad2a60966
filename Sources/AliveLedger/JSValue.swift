/// A JSON value as JavaScript holds it, for text that is hashed or signed and must
/// come out exactly as `JSON.stringify` prints it (see `JSValue+Stringify.swift`).
/// Foundation's encoder escapes `/`, prints numbers its own way and reorders keys,
/// so it is never used for such text.
public indirect enum JSValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// An integer; must stay within ±2^53 so a JavaScript reader gets it exactly.
    case integer(Int64)
    /// A finite double, printed the way JavaScript prints numbers.
    case number(Double)
    case string(String)
    case array([JSValue])
    case object(JSObject)
}

/// A JavaScript object: members in insertion order. Setting an existing key keeps
/// its place and replaces the value, as in JavaScript.
public struct JSObject: Sendable, Equatable {
    public struct Member: Sendable, Equatable {
        public let key: String
        public let value: JSValue
    }

    public private(set) var members: [Member] = []

    public init() {}

    public subscript(key: String) -> JSValue? {
        get { members.first { $0.key == key }?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index] = Member(key: key, value: newValue) } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }
}

extension JSObject: ExpressibleByDictionaryLiteral {
    /// Keeps the order written in the literal.
    public init(dictionaryLiteral elements: (String, JSValue)...) {
        for (key, value) in elements { self[key] = value }
    }
}

extension JSValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSValue)...) {
        var object = JSObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
    public init(nilLiteral: ()) { self = .null }
}

/// The properties of an AMF0 object or ECMA array, in wire order.
///
/// Order is kept because peers (and tests comparing bytes) care about it; lookups by key
/// return the first property with that name.
public struct AMF0Object: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var properties: [(key: String, value: AMF0Value)]

    public init(_ properties: [(key: String, value: AMF0Value)] = []) {
        self.properties = properties
    }

    public init(dictionaryLiteral elements: (String, AMF0Value)...) {
        self.properties = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The first property named `key`. Setting replaces that property in place, appends a new
    /// one when there is none, and removes every property named `key` when set to nil.
    public subscript(key: String) -> AMF0Value? {
        get {
            properties.first { $0.key == key }?.value
        }
        set {
            guard let newValue else {
                properties.removeAll { $0.key == key }
                return
            }
            if let index = properties.firstIndex(where: { $0.key == key }) {
                properties[index].value = newValue
            } else {
                properties.append((key: key, value: newValue))
            }
        }
    }

    public var isEmpty: Bool { properties.isEmpty }

    /// Equal when both have the same properties in the same order.
    public static func == (lhs: AMF0Object, rhs: AMF0Object) -> Bool {
        lhs.properties.count == rhs.properties.count
            && zip(lhs.properties, rhs.properties).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

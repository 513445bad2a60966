import NIOCore

/// Writes AMF0 values (AMF0 specification, section 2).
public enum AMF0Encoder {
    /// Appends `values` one after another, as RTMP command and data messages carry them.
    public static func encode(_ values: [AMF0Value], into buffer: inout ByteBuffer) {
        for value in values {
            encode(value, into: &buffer)
        }
    }

    /// Appends one value.
    ///
    /// - Precondition: object keys are at most 65_535 UTF-8 bytes (the key length field has 16 bits).
    public static func encode(_ value: AMF0Value, into buffer: inout ByteBuffer) {
        switch value {
        case .number(let number):
            buffer.writeInteger(AMF0Marker.number)
            buffer.writeInteger(number.bitPattern)
        case .boolean(let flag):
            buffer.writeInteger(AMF0Marker.boolean)
            buffer.writeInteger(UInt8(flag ? 1 : 0))
        case .string(let text):
            if text.utf8.count > Int(UInt16.max) {
                writeLongString(text, into: &buffer)
            } else {
                buffer.writeInteger(AMF0Marker.string)
                writeShortUTF8(text, into: &buffer)
            }
        case .object(let object):
            buffer.writeInteger(AMF0Marker.object)
            writeProperties(object, into: &buffer)
        case .null:
            buffer.writeInteger(AMF0Marker.null)
        case .undefined:
            buffer.writeInteger(AMF0Marker.undefined)
        case .ecmaArray(let object):
            buffer.writeInteger(AMF0Marker.ecmaArray)
            buffer.writeInteger(UInt32(truncatingIfNeeded: object.properties.count))
            writeProperties(object, into: &buffer)
        case .strictArray(let values):
            buffer.writeInteger(AMF0Marker.strictArray)
            buffer.writeInteger(UInt32(truncatingIfNeeded: values.count))
            encode(values, into: &buffer)
        case .date(let milliseconds):
            buffer.writeInteger(AMF0Marker.date)
            buffer.writeInteger(milliseconds.bitPattern)
            buffer.writeInteger(Int16(0))  // time zone: reserved, should be 0
        case .longString(let text):
            writeLongString(text, into: &buffer)
        }
    }

    private static func writeLongString(_ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(AMF0Marker.longString)
        buffer.writeInteger(UInt32(text.utf8.count))
        buffer.writeString(text)
    }

    /// A UTF-8 string with a 16-bit length, as used by `.string` and object keys.
    private static func writeShortUTF8(_ text: String, into buffer: inout ByteBuffer) {
        let count = text.utf8.count
        precondition(count <= Int(UInt16.max), "AMF0 short string of \(count) bytes is too long")
        buffer.writeInteger(UInt16(count))
        buffer.writeString(text)
    }

    private static func writeProperties(_ object: AMF0Object, into buffer: inout ByteBuffer) {
        for property in object.properties {
            writeShortUTF8(property.key, into: &buffer)
            encode(property.value, into: &buffer)
        }
        // Object end: an empty key followed by the object-end marker.
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(AMF0Marker.objectEnd)
    }
}

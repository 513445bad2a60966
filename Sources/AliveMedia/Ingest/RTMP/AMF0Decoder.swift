import NIOCore

/// Reads AMF0 values (AMF0 specification, section 2) from RTMP command and data messages.
///
/// Bounded by `RTMPLimits.maxAMFDepth` (nesting) and `RTMPLimits.maxAMFItems` (values per call);
/// lengths are checked against the bytes actually present before anything is allocated.
/// References, XML documents, typed objects, the reserved markers and AMF3 values are rejected
/// with `RTMPProtocolError.unsupportedAMFType`: RTMP encoders do not send them in commands
/// or metadata, and resolving references would let a few bytes expand into large trees.
public struct AMF0Decoder: Sendable {
    public let limits: RTMPLimits

    public init(limits: RTMPLimits = .default) {
        self.limits = limits
    }

    /// Decodes every value in the readable bytes of `buffer`.
    public func decodeAll(_ buffer: ByteBuffer) throws -> [AMF0Value] {
        var reader = Reader(buffer: buffer, limits: limits)
        var values: [AMF0Value] = []
        while reader.buffer.readableBytes > 0 {
            values.append(try reader.readValue(depth: 0))
        }
        return values
    }
}

/// The state of one decode call: the bytes left and the number of values read so far.
private struct Reader {
    var buffer: ByteBuffer
    let limits: RTMPLimits
    let startIndex: Int
    var itemCount = 0

    init(buffer: ByteBuffer, limits: RTMPLimits) {
        self.buffer = buffer
        self.limits = limits
        self.startIndex = buffer.readerIndex
    }

    private var offset: Int { buffer.readerIndex - startIndex }

    /// Reads one value; `depth` is the number of objects / arrays around it.
    mutating func readValue(depth: Int) throws -> AMF0Value {
        itemCount += 1
        if itemCount > limits.maxAMFItems {
            throw RTMPProtocolError.amfTooManyItems(limit: limits.maxAMFItems)
        }
        let markerOffset = offset
        let marker = try readInteger(UInt8.self, what: "type marker")
        switch marker {
        case AMF0Marker.number:
            return .number(Double(bitPattern: try readInteger(UInt64.self, what: "number")))
        case AMF0Marker.boolean:
            return .boolean(try readInteger(UInt8.self, what: "boolean") != 0)
        case AMF0Marker.string:
            let length = Int(try readInteger(UInt16.self, what: "string length"))
            return .string(try readUTF8(length: length, what: "string"))
        case AMF0Marker.object:
            try checkDepth(depth + 1)
            return .object(try readProperties(depth: depth + 1))
        case AMF0Marker.null:
            return .null
        case AMF0Marker.undefined:
            return .undefined
        case AMF0Marker.ecmaArray:
            // The count is only a hint (encoders write 0 or stale counts); the end marker terminates.
            _ = try readInteger(UInt32.self, what: "ECMA array count")
            try checkDepth(depth + 1)
            return .ecmaArray(try readProperties(depth: depth + 1))
        case AMF0Marker.strictArray:
            let count = Int(try readInteger(UInt32.self, what: "strict array count"))
            try checkDepth(depth + 1)
            // Every element takes at least its marker byte, so a larger count cannot be honest.
            guard count <= buffer.readableBytes else {
                throw RTMPProtocolError.malformedAMF(
                    "strict array at offset \(markerOffset) claims \(count) elements but only \(buffer.readableBytes) bytes follow"
                )
            }
            var elements: [AMF0Value] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try readValue(depth: depth + 1))
            }
            return .strictArray(elements)
        case AMF0Marker.date:
            let milliseconds = Double(bitPattern: try readInteger(UInt64.self, what: "date"))
            _ = try readInteger(Int16.self, what: "date time zone")
            return .date(milliseconds)
        case AMF0Marker.longString:
            let length = Int(try readInteger(UInt32.self, what: "long string length"))
            return .longString(try readUTF8(length: length, what: "long string"))
        case AMF0Marker.objectEnd:
            throw RTMPProtocolError.malformedAMF("object-end marker outside an object at offset \(markerOffset)")
        case AMF0Marker.reference:
            throw RTMPProtocolError.unsupportedAMFType(marker: marker, reason: "object references are not supported")
        case AMF0Marker.movieClip, AMF0Marker.recordSet:
            throw RTMPProtocolError.unsupportedAMFType(marker: marker, reason: "the marker is reserved and has no defined encoding")
        case AMF0Marker.unsupported:
            throw RTMPProtocolError.unsupportedAMFType(marker: marker, reason: "the sender marked the value as unsupported")
        case AMF0Marker.xmlDocument:
            throw RTMPProtocolError.unsupportedAMFType(marker: marker, reason: "XML documents are not supported")
        case AMF0Marker.typedObject:
            throw RTMPProtocolError.unsupportedAMFType(marker: marker, reason: "typed objects are not supported")
        case AMF0Marker.avmPlusObject:
            throw RTMPProtocolError.unsupportedAMFType(
                marker: marker,
                reason: "switch to AMF3 (avmplus-object marker) inside AMF0 data; AMF3 is not supported, the client must send AMF0"
            )
        default:
            throw RTMPProtocolError.malformedAMF("unknown type marker 0x\(String(marker, radix: 16)) at offset \(markerOffset)")
        }
    }

    /// Properties up to and including the object-end marker (empty key followed by 0x09).
    private mutating func readProperties(depth: Int) throws -> AMF0Object {
        var object = AMF0Object()
        while true {
            let keyLength = Int(try readInteger(UInt16.self, what: "property name length"))
            if keyLength == 0, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == AMF0Marker.objectEnd {
                buffer.moveReaderIndex(forwardBy: 1)
                return object
            }
            let key = try readUTF8(length: keyLength, what: "property name")
            object.properties.append((key: key, value: try readValue(depth: depth)))
        }
    }

    private func checkDepth(_ depth: Int) throws {
        if depth > limits.maxAMFDepth {
            throw RTMPProtocolError.amfTooDeep(limit: limits.maxAMFDepth)
        }
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type, what: String) throws -> T {
        guard let value = buffer.readInteger(as: T.self) else {
            throw truncated(what, needed: MemoryLayout<T>.size)
        }
        return value
    }

    private mutating func readUTF8(length: Int, what: String) throws -> String {
        let at = offset
        do {
            guard let text = try buffer.readUTF8ValidatedString(length: length) else {
                throw truncated(what, needed: length)
            }
            return text
        } catch let error as RTMPProtocolError {
            throw error
        } catch {
            throw RTMPProtocolError.malformedAMF("\(what) at offset \(at) is not valid UTF-8")
        }
    }

    private func truncated(_ what: String, needed: Int) -> RTMPProtocolError {
        .malformedAMF("truncated \(what) at offset \(offset): needs \(needed) bytes, \(buffer.readableBytes) left")
    }
}

import AliveTestSupport
import NIOCore
import Testing
@testable import AliveMedia

@Suite("AMF0")
struct AMF0Tests {
    private func encode(_ values: [AMF0Value]) -> ByteBuffer {
        var buffer = ByteBuffer()
        AMF0Encoder.encode(values, into: &buffer)
        return buffer
    }

    private func decode(_ bytes: [UInt8], limits: RTMPLimits = .default) throws -> [AMF0Value] {
        try AMF0Decoder(limits: limits).decodeAll(ByteBuffer(bytes: bytes))
    }

    private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: exact bytes

    /// The connect command ffmpeg sends when publishing (`ffmpeg ... -f flv rtmp://127.0.0.1:1935/live/KEY`),
    /// written out from the AMF0 specification: marker, big-endian length, UTF-8 bytes.
    private var ffmpegConnectBytes: [UInt8] {
        W.bytes {
            [0x02, 0x00, 0x07]; utf8("connect")
            [0x00, 0x3F, 0xF0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]  // 1.0, big-endian IEEE 754
            [0x03]  // object
            [0x00, 0x03]; utf8("app"); [0x02, 0x00, 0x04]; utf8("live")
            [0x00, 0x04]; utf8("type"); [0x02, 0x00, 0x0A]; utf8("nonprivate")
            [0x00, 0x08]; utf8("flashVer"); [0x02, 0x00, 0x23]; utf8("FMLE/3.0 (compatible; Lavf61.7.100)")
            [0x00, 0x05]; utf8("tcUrl"); [0x02, 0x00, 0x1A]; utf8("rtmp://127.0.0.1:1935/live")
            [0x00, 0x00, 0x09]  // object end
        }
    }

    private let ffmpegConnectValues: [AMF0Value] = [
        .string("connect"),
        .number(1),
        .object([
            "app": .string("live"),
            "type": .string("nonprivate"),
            "flashVer": .string("FMLE/3.0 (compatible; Lavf61.7.100)"),
            "tcUrl": .string("rtmp://127.0.0.1:1935/live"),
        ]),
    ]

    @Test("ffmpeg's connect command decodes from its exact bytes and encodes back to them")
    func ffmpegConnect() throws {
        #expect(ffmpegConnectBytes.count == 10 + 9 + 1 + 12 + 19 + 48 + 36 + 3)
        let values = try decode(ffmpegConnectBytes)
        #expect(values == ffmpegConnectValues)
        #expect(values[0].stringValue == "connect")
        #expect(values[1].numberValue == 1)
        #expect(values[2]["tcUrl"]?.stringValue == "rtmp://127.0.0.1:1935/live")
        #expect(values[2]["missing"] == nil)
        #expect(encode(ffmpegConnectValues).bytes == ffmpegConnectBytes)
    }

    @Test("OBS's publish command: number, null, stream name, type")
    func obsPublish() throws {
        let bytes = W.bytes {
            [0x02, 0x00, 0x07]; utf8("publish")
            [0x00, 0x40, 0x14, 0, 0, 0, 0, 0, 0]  // 5.0
            [0x05]
            [0x02, 0x00, 0x06]; utf8("secret")
            [0x02, 0x00, 0x04]; utf8("live")
        }
        let values = try decode(bytes)
        #expect(values == [.string("publish"), .number(5), .null, .string("secret"), .string("live")])
        #expect(values[2].isNullOrUndefined)
    }

    @Test("@setDataFrame onMetaData: ECMA array whose count is only a hint")
    func metadataECMAArray() throws {
        let bytes = W.bytes {
            [0x02, 0x00, 0x0D]; utf8("@setDataFrame")
            [0x02, 0x00, 0x0A]; utf8("onMetaData")
            [0x08, 0x00, 0x00, 0x00, 0x00]  // ECMA array, count 0 although two properties follow
            [0x00, 0x05]; utf8("width"); [0x00, 0x40, 0x94, 0, 0, 0, 0, 0, 0]  // 1280
            [0x00, 0x0C]; utf8("videocodecid"); [0x00, 0x40, 0x1C, 0, 0, 0, 0, 0, 0]  // 7
            [0x00, 0x00, 0x09]
        }
        let values = try decode(bytes)
        #expect(values.count == 3)
        #expect(values[2] == .ecmaArray(["width": .number(1280), "videocodecid": .number(7)]))
        #expect(values[2]["videocodecid"]?.numberValue == 7)
        // the encoder writes the real count
        #expect(encode([values[2]]).bytes.prefix(5) == [0x08, 0, 0, 0, 2])
    }

    @Test("exact bytes of boolean, undefined, date, strict array, long string")
    func otherTypesExactBytes() throws {
        let values: [AMF0Value] = [.boolean(true), .boolean(false), .undefined, .date(1000), .strictArray([.null, .number(0)]), .longString("ab")]
        let bytes: [UInt8] = [
            0x01, 0x01, 0x01, 0x00, 0x06,
            0x0B, 0x40, 0x8F, 0x40, 0, 0, 0, 0, 0, 0x00, 0x00,
            0x0A, 0, 0, 0, 2, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
            0x0C, 0, 0, 0, 2, 0x61, 0x62,
        ]
        #expect(encode(values).bytes == bytes)
        #expect(try decode(bytes) == values)
    }

    @Test("strings over 65535 bytes are written as long strings")
    func longStringPromotion() throws {
        let text = String(repeating: "x", count: 70_000)
        let bytes = encode([.string(text)])
        #expect(bytes.getInteger(at: 0, as: UInt8.self) == 0x0C)
        #expect(try AMF0Decoder().decodeAll(bytes) == [.longString(text)])
        #expect(try AMF0Decoder().decodeAll(bytes)[0].stringValue == text)
    }

    // MARK: round trip

    @Test("every type round-trips through encoder and decoder")
    func roundTripAllTypes() throws {
        let values: [AMF0Value] = [
            .number(0), .number(-1.5), .number(.infinity), .number(.greatestFiniteMagnitude),
            .boolean(true), .boolean(false),
            .string(""), .string("größe 日本語 🎥"),
            .object([:]), .object(["a": .null, "": .undefined, "nested": .object(["x": .number(1)])]),
            .null, .undefined,
            .ecmaArray([:]), .ecmaArray(["k": .strictArray([.string("v")])]),
            .strictArray([]), .strictArray([.number(1), .object(["o": .boolean(true)]), .strictArray([.null])]),
            .date(1_700_000_000_000), .date(-1),
            .longString(""), .longString("long"),
        ]
        #expect(try AMF0Decoder().decodeAll(encode(values)) == values)
        let nan = try AMF0Decoder().decodeAll(encode([.number(.nan)]))
        #expect(nan.count == 1 && nan[0].numberValue?.isNaN == true)
    }

    @Test("random value trees round-trip", arguments: [UInt64(1), 2, 3])
    func roundTripRandom(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        for _ in 0..<300 {
            let values = (0..<Int.random(in: 1...4, using: &random)).map { _ in random.amf0Value(depth: 4) }
            #expect(try AMF0Decoder().decodeAll(encode(values)) == values)
        }
    }

    // MARK: limits

    private func nested(_ depth: Int, container: (AMF0Value) -> AMF0Value) -> AMF0Value {
        var value = AMF0Value.null
        for _ in 0..<depth { value = container(value) }
        return value
    }

    @Test("nesting up to the depth limit decodes, one more level is an error")
    func depthLimit() throws {
        let containers: [(AMF0Value) -> AMF0Value] = [
            { .object(["child": $0]) }, { .ecmaArray(["child": $0]) }, { .strictArray([$0]) },
        ]
        for container in containers {
            let ok = nested(16, container: container)
            #expect(try AMF0Decoder().decodeAll(encode([ok])) == [ok])
            #expect(throws: RTMPProtocolError.amfTooDeep(limit: 16)) {
                try AMF0Decoder().decodeAll(encode([nested(17, container: container)]))
            }
            #expect(throws: RTMPProtocolError.amfTooDeep(limit: 2)) {
                try AMF0Decoder(limits: RTMPLimits(maxAMFDepth: 2)).decodeAll(encode([nested(3, container: container)]))
            }
        }
    }

    @Test("more values than the item limit is an error")
    func itemLimit() throws {
        let fits = AMF0Value.strictArray(Array(repeating: .null, count: 4095))  // 4096 values with the array
        #expect(try AMF0Decoder().decodeAll(encode([fits])) == [fits])
        #expect(throws: RTMPProtocolError.amfTooManyItems(limit: 4096)) {
            try AMF0Decoder().decodeAll(encode([.strictArray(Array(repeating: .null, count: 4096))]))
        }
        #expect(throws: RTMPProtocolError.amfTooManyItems(limit: 3)) {
            try AMF0Decoder(limits: RTMPLimits(maxAMFItems: 3)).decodeAll(encode([.null, .null, .null, .null]))
        }
    }

    @Test("a strict array count larger than the remaining bytes is rejected before allocating")
    func strictArrayCountLies() throws {
        #expect(throws: RTMPProtocolError.malformedAMF("strict array at offset 0 claims 4294967295 elements but only 1 bytes follow")) {
            try decode([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05])
        }
    }

    // MARK: malformed input

    @Test("every truncation of a value is an error, never a crash")
    func truncatedAtEveryPosition() throws {
        let value = AMF0Value.object([
            "n": .number(2), "b": .boolean(true), "s": .string("text"), "o": .object(["x": .null]),
            "u": .undefined, "e": .ecmaArray(["y": .number(3)]), "a": .strictArray([.string("z"), .number(4)]),
            "d": .date(5), "l": .longString("long"),
        ])
        let bytes = encode([value]).bytes
        for length in 0..<bytes.count {
            let prefix = Array(bytes[0..<length])
            if length == 0 {
                #expect(try decode(prefix).isEmpty)
                continue
            }
            #expect(throws: RTMPProtocolError.self, "prefix of \(length) bytes") {
                try decode(prefix)
            }
        }
        #expect(try decode(bytes) == [value])
    }

    @Test("the truncation error says what was cut")
    func truncationMessage() {
        #expect(throws: RTMPProtocolError.malformedAMF("truncated number at offset 1: needs 8 bytes, 3 left")) {
            try decode([0x00, 1, 2, 3])
        }
        #expect(throws: RTMPProtocolError.malformedAMF("truncated string at offset 3: needs 5 bytes, 2 left")) {
            try decode([0x02, 0x00, 0x05, 0x61, 0x62])
        }
    }

    @Test("unknown markers are malformed", arguments: [UInt8(0x12), 0x20, 0x7F, 0xFF])
    func unknownMarker(marker: UInt8) {
        #expect(throws: RTMPProtocolError.malformedAMF("unknown type marker 0x\(String(marker, radix: 16)) at offset 0")) {
            try decode([marker])
        }
    }

    @Test("reserved and unsupported markers are rejected with a reason", arguments: [UInt8(0x04), 0x07, 0x0D, 0x0E, 0x0F, 0x10, 0x11])
    func unsupportedMarker(marker: UInt8) throws {
        do {
            _ = try decode([marker, 0x00, 0x01, 0x00, 0x00])
            Issue.record("marker 0x\(String(marker, radix: 16)) was accepted")
        } catch let error as RTMPProtocolError {
            #expect(error.description.hasPrefix("unsupported AMF0 type marker 0x\(String(marker, radix: 16))"))
            if marker == 0x11 {
                #expect(error.description.contains("AMF3"))
            }
        }
    }

    @Test("an object-end marker outside an object is malformed")
    func strayObjectEnd() {
        #expect(throws: RTMPProtocolError.malformedAMF("object-end marker outside an object at offset 1")) {
            try decode([0x05, 0x09])
        }
    }

    @Test("invalid UTF-8 in strings and keys is malformed")
    func invalidUTF8() {
        #expect(throws: RTMPProtocolError.malformedAMF("string at offset 3 is not valid UTF-8")) {
            try decode([0x02, 0x00, 0x02, 0xC3, 0x28])
        }
        #expect(throws: RTMPProtocolError.malformedAMF("property name at offset 3 is not valid UTF-8")) {
            try decode([0x03, 0x00, 0x01, 0xFF, 0x05, 0x00, 0x00, 0x09])
        }
    }

    @Test("an empty key not followed by the end marker is an ordinary property")
    func emptyKeyProperty() throws {
        #expect(try decode([0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x09]) == [.object(["": .null])])
    }

    // MARK: AMF0Object

    @Test("AMF0Object keeps order, replaces in place, removes, compares by order")
    func objectBehaviour() {
        var object: AMF0Object = ["b": .number(1), "a": .number(2)]
        #expect(object.properties.map(\.key) == ["b", "a"])
        object["b"] = .string("x")
        object["c"] = .null
        #expect(object.properties.map(\.key) == ["b", "a", "c"])
        #expect(object["b"] == .string("x"))
        object["a"] = nil
        #expect(object.properties.map(\.key) == ["b", "c"])
        #expect(object != ["c": .null, "b": .string("x")])
        #expect(object == ["b": .string("x"), "c": .null])
        #expect(!object.isEmpty && AMF0Object().isEmpty)
    }

    @Test("accessors return nil for other types")
    func accessors() {
        #expect(AMF0Value.number(1).stringValue == nil)
        #expect(AMF0Value.string("1").numberValue == nil)
        #expect(AMF0Value.longString("l").stringValue == "l")
        #expect(AMF0Value.boolean(true).booleanValue == true)
        #expect(AMF0Value.strictArray([.null]).arrayValue == [.null])
        #expect(AMF0Value.null["key"] == nil)
        #expect(AMF0Value.ecmaArray(["k": .null]).objectValue == ["k": .null])
        #expect(!AMF0Value.number(0).isNullOrUndefined && AMF0Value.undefined.isNullOrUndefined)
    }
}

private typealias W = RTMPWire

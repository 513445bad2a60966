import AliveTestSupport
@testable import AliveMedia

extension SeededRandom {
    /// A random AMF0 value tree no deeper than `depth` containers, without NaN (NaN != NaN).
    mutating func amf0Value(depth: Int) -> AMF0Value {
        let kinds = depth > 0 ? 10 : 7
        switch Int.random(in: 0..<kinds, using: &self) {
        case 0: return .number([0, -0.5, 1, 1e300, -.infinity, Double(UInt32.max), Double.random(in: -1e6...1e6, using: &self)].randomElement(using: &self)!)
        case 1: return .boolean(Bool.random(using: &self))
        case 2: return .string(text())
        case 3: return .null
        case 4: return .undefined
        case 5: return .date(Double(Int64.random(in: 0...4_000_000_000_000, using: &self)))
        case 6: return .longString(text())
        case 7: return .object(object(depth: depth - 1))
        case 8: return .ecmaArray(object(depth: depth - 1))
        default:
            return .strictArray((0..<Int.random(in: 0...4, using: &self)).map { _ in amf0Value(depth: depth - 1) })
        }
    }

    private mutating func object(depth: Int) -> AMF0Object {
        AMF0Object((0..<Int.random(in: 0...4, using: &self)).map { _ in (key: text(), value: amf0Value(depth: depth)) })
    }

    private mutating func text() -> String {
        ["", "a", "app", "live", "tcUrl", "flashVer", "größe", "日本語", "🎥 stream", "with\u{0}nul"].randomElement(using: &self)!
    }
}

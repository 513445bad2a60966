/// Optional lower-quality rendition hashes of a push, under the keys consumers read.
public struct AliveRenditions: Sendable, Equatable {
    public var p240: String?
    public var p480: String?
    public var p720: String?
    public var p1080: String?

    public static let none = AliveRenditions()

    public init(p240: String? = nil, p480: String? = nil, p720: String? = nil, p1080: String? = nil) {
        self.p240 = p240
        self.p480 = p480
        self.p720 = p720
        self.p1080 = p1080
    }

    /// Validated (key, hash) pairs, lowest quality first.
    func members() throws -> [(String, String)] {
        var out: [(String, String)] = []
        for (key, hash) in [("240", p240), ("480", p480), ("720", p720), ("1080", p1080)] {
            guard let hash else { continue }
            try AliveNames.validateStorageHash(hash, what: "rendition \(key)")
            out.append((key, hash))
        }
        return out
    }
}

import Crypto

/// An unsigned Avalon (dtube chain) transaction: `{type, data, sender, ts}`.
/// Its hash is SHA-256 of exactly what JavaScript's `JSON.stringify` prints for it.
public struct AvalonTransaction: Sendable, Equatable {
    /// Transaction types Alive uses.
    public static let playlistJSONType = 25
    public static let playlistPushType = 26

    public let type: Int
    public let data: JSObject
    public let sender: String
    /// Milliseconds since the epoch, from the chain's time (must be within a minute of it).
    public let ts: Int64

    public init(type: Int, data: JSObject, sender: String, ts: Int64) throws {
        try AliveNames.validateAvalonAccount(sender)
        guard ts > 0, ts <= JSValue.maximumSafeInteger else { throw LedgerError.invalidInput("ts must be positive milliseconds") }
        self.type = type
        self.data = data
        self.sender = sender
        self.ts = ts
    }

    /// Type 25: creates (or updates) the playlist `link` with a JSON object, e.g.
    /// `{live: true, pub: <AliveDB key>, l2: "gundb"}`.
    public static func playlistJSON(sender: String, link: String, json: JSObject, ts: Int64) throws -> AvalonTransaction {
        try AliveNames.validateLink(link, minimumLength: 3)
        return try AvalonTransaction(
            type: playlistJSONType, data: ["link": .string(link), "json": .object(json)], sender: sender, ts: ts)
    }

    /// Type 26: pushes `seq` (0 … 10000) with a chunk hash, or `"<hash>,<len>"` for a
    /// single segment (`"<hash>,<len>,d"` after a break: `AliveDiscontinuity`); 1–101 chars.
    public static func playlistPush(sender: String, link: String, seq: UInt64, content: AlivePushContent, ts: Int64) throws
        -> AvalonTransaction
    {
        try AliveNames.validateLink(link)
        guard seq <= 10_000 else { throw LedgerError.invalidInput("Avalon playlist seq must be 0–10000") }
        let text: String
        switch content {
        case .chunk(let src):
            try AliveNames.validateStorageHash(src)
            text = src
        case .segment(let src, let duration, let discontinuity):
            // The same string as the segment's line in a chunk.
            text = try AliveChunk.Entry(src: src, duration: duration, discontinuity: discontinuity).line()
        }
        guard (1...101).contains(text.utf8.count) else { throw LedgerError.invalidInput("Avalon push content must be 1–101 characters") }
        return try AvalonTransaction(
            type: playlistPushType,
            data: ["link": .string(link), "seq": [[.integer(Int64(seq)), .string(text)]]],
            sender: sender, ts: ts)
    }

    /// `{type, data, sender, ts}` in that order.
    func unsignedObject() -> JSObject {
        ["type": .integer(Int64(type)), "data": .object(data), "sender": .string(sender), "ts": .integer(ts)]
    }

    /// The exact text whose SHA-256 is the transaction hash.
    public func hashedText() throws -> String {
        try JSValue.object(unsignedObject()).jsonText()
    }

    public func hash() throws -> [UInt8] {
        Array(SHA256.hash(data: Array(try hashedText().utf8)))
    }
}

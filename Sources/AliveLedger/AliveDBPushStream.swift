/// The body of AliveDB's `POST /pushStream`:
/// `{"network":"hive","streamer":…,"link":…,"stream":{"src":…,"len":…}}`, with
/// optional rendition hashes beside `src` under `240` … `1080`.
public struct AliveDBPushStream: Sendable, Equatable {
    public let network: String
    public let streamer: String
    public let link: String
    public let src: String
    /// Seconds, rounded to 3 decimals.
    public let duration: Double
    public let renditions: AliveRenditions

    public init(
        network: String = "hive", streamer: String, link: String, src: String, duration: Double,
        renditions: AliveRenditions = .none
    ) throws {
        try AliveNames.validateMessagePart(network, what: "network")
        try AliveNames.validateHiveAccount(streamer)
        try AliveNames.validateLink(link)
        try AliveNames.validateStorageHash(src)
        self.network = network
        self.streamer = streamer
        self.link = link
        self.src = src
        self.duration = try AliveSegmentDuration.rounded(duration)
        self.renditions = renditions
    }

    public func jsonText() throws -> String {
        var stream: JSObject = ["src": .string(src), "len": .number(duration)]
        for (key, hash) in try renditions.members() { stream[key] = .string(hash) }
        let body: JSValue = [
            "network": .string(network), "streamer": .string(streamer), "link": .string(link), "stream": .object(stream),
        ]
        return try body.jsonText()
    }
}

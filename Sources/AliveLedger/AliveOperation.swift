/// What a push carries: a chunk's hash, or a single segment's hash and duration (and
/// whether it follows a break in the stream: `AliveDiscontinuity`).
public enum AlivePushContent: Sendable, Equatable {
    case chunk(src: String)
    case segment(src: String, duration: Double, discontinuity: Bool = false)
}

/// Storage network named in op 2.
public enum AliveStorageNetwork: String, Sendable {
    case ipfs
    case skynet
}

/// Optional fields of op 2 (configure stream).
public struct AliveStreamOptions: Sendable, Equatable {
    /// AliveDB public key (≤ 100 chars) when segments are also cached off-chain.
    public var alivedbPub: String?
    /// Preferred gateway URL (≤ 100 chars).
    public var gateway: String?
    public var storage: AliveStorageNetwork?
    /// Off-chain layer name (`gundb`).
    public var l2: String?

    public init(alivedbPub: String? = nil, gateway: String? = nil, storage: AliveStorageNetwork? = nil, l2: String? = nil) {
        self.alivedbPub = alivedbPub
        self.gateway = gateway
        self.storage = storage
        self.l2 = l2
    }
}

/// The Alive Protocol operations carried by Hive `custom_json` (ALIVE.md): 0 push,
/// 1 end, 2 configure. Payload keys in the order ALIVE.md shows them; the text is
/// printed by the JS-exact writer, as the reference daemon's `JSON.stringify` does.
public enum AliveOperation: Sendable, Equatable {
    case push(seq: UInt64, link: String, content: AlivePushContent, renditions: AliveRenditions = .none)
    case end(link: String)
    case configure(link: String, options: AliveStreamOptions)

    /// `custom_json` id on the dev network; the mainnet id is not fixed yet.
    public static let defaultCustomJSONID = "alive-test"

    /// Consumers cap a stream at this many pushes.
    public static let maximumSeq: UInt64 = 17_279

    public func payload() throws -> JSObject {
        switch self {
        case .push(let seq, let link, let content, let renditions):
            try AliveNames.validateLink(link)
            guard seq <= Self.maximumSeq else {
                throw LedgerError.invalidInput("seq \(seq) is beyond the 17280 pushes consumers accept")
            }
            var object: JSObject = ["op": 0, "seq": .integer(Int64(seq)), "link": .string(link)]
            switch content {
            case .chunk(let src):
                try AliveNames.validateStorageHash(src)
                object["src"] = .string(src)
            case .segment(let src, let duration, let discontinuity):
                try AliveNames.validateStorageHash(src)
                object["src"] = .string(src)
                object["len"] = .number(try AliveSegmentDuration.rounded(duration))
                if discontinuity { object[AliveDiscontinuity.payloadKey] = 1 }
            }
            for (key, hash) in try renditions.members() { object[key] = .string(hash) }
            return object
        case .end(let link):
            try AliveNames.validateLink(link)
            return ["op": 1, "link": .string(link)]
        case .configure(let link, let options):
            try AliveNames.validateLink(link)
            var object: JSObject = ["op": 2, "link": .string(link)]
            if let pub = options.alivedbPub {
                try Self.validateShortText(pub, what: "pub")
                object["pub"] = .string(pub)
            }
            if let gateway = options.gateway {
                try Self.validateShortText(gateway, what: "gw")
                object["gw"] = .string(gateway)
            }
            if let storage = options.storage { object["storage"] = .string(storage.rawValue) }
            if let l2 = options.l2 {
                try Self.validateShortText(l2, what: "l2")
                object["l2"] = .string(l2)
            }
            return object
        }
    }

    /// The `json` string of the `custom_json` operation.
    public func jsonText() throws -> String {
        try JSValue.object(payload()).jsonText()
    }

    /// The `custom_json` operation signed with `streamer`'s posting key.
    public func customJSON(streamer: String, id: String = Self.defaultCustomJSONID) throws -> HiveCustomJSON {
        try HiveCustomJSON(requiredAuths: [], requiredPostingAuths: [streamer], id: id, json: jsonText())
    }

    private static func validateShortText(_ text: String, what: String) throws {
        guard (1...100).contains(text.count), !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw LedgerError.invalidInput("\(what) must be 1–100 characters without control characters")
        }
    }
}

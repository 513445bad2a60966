/// Something to store: a segment straight from the ring, or a chunk file.
public struct StorageObject: Sendable {
    public enum Kind: String, Sendable {
        case segment
        case chunk

        var contentType: String {
            switch self {
            case .segment: return "video/mp2t"
            case .chunk: return "text/csv"
            }
        }
    }

    public var kind: Kind
    /// File name sent in the multipart upload (`12.ts`, `chunk-3.csv`).
    public var name: String
    public var bytes: any SegmentBytes
    /// The segment's sequence in the ring it was leased from (the box's own store
    /// serves it from there).
    public var ringSequence: UInt64?

    public init(kind: Kind, name: String, bytes: any SegmentBytes, ringSequence: UInt64? = nil) {
        self.kind = kind
        self.name = name
        self.bytes = bytes
        self.ringSequence = ringSequence
    }
}

/// What an endpoint stored, as the publisher needs it.
public struct StoredObject: Sendable, Equatable {
    /// The hash to publish: the IPFS CID (equal to the one computed on the box) or the
    /// Skynet skylink.
    public var hash: String
    /// The CID computed on the box (nil for Skynet).
    public var cid: ContentIdentifier?
    /// The endpoint that stored it (URL without query).
    public var endpoint: String
    public var byteCount: Int
    public var uploadTime: Duration
}

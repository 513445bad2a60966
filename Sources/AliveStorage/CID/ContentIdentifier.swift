import AliveEncoding

/// Which CID form to compute and ask endpoints for. Kubo ties leaf encoding to it:
/// `ipfs add` (CIDv0) wraps leaves in dag-pb, `ipfs add --cid-version 1` uses raw leaves.
public enum CIDVersion: Int, Sendable, CaseIterable, Codable {
    case v0 = 0
    case v1 = 1
}

/// An IPFS content identifier with a sha2-256 multihash, the only hash Kubo uses by
/// default.
public struct ContentIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// IPLD codecs that a UnixFS file DAG uses.
    public enum Codec: UInt8, Sendable {
        case dagProtobuf = 0x70
        case raw = 0x55
    }

    public let version: CIDVersion
    public let codec: Codec
    /// The 32-byte SHA-256 digest of the block.
    public let digest: [UInt8]

    init(version: CIDVersion, codec: Codec, digest: [UInt8]) {
        precondition(digest.count == 32, "sha2-256 digests are 32 bytes")
        precondition(version == .v1 || codec == .dagProtobuf, "CIDv0 is dag-pb only")
        self.version = version
        self.codec = codec
        self.digest = digest
    }

    /// sha2-256 multihash: code 0x12, length 0x20, digest.
    var multihash: [UInt8] { [0x12, 0x20] + digest }

    /// The binary form, as it appears in a dag-pb link's `Hash`.
    public var bytes: [UInt8] {
        switch version {
        case .v0: return multihash
        case .v1: return [0x01, codec.rawValue] + multihash
        }
    }

    /// `Qm…` (base58btc) for CIDv0, `b…` (base32 lower case, no padding) for CIDv1.
    public var description: String {
        switch version {
        case .v0: return Base58.encode(bytes)
        case .v1: return "b" + Base32.encodeLowercase(bytes)
        }
    }
}

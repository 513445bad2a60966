import Crypto

/// Computes the CID that Kubo's `ipfs add` gives a file, from bytes in memory.
///
/// Kubo's defaults, reproduced exactly: fixed-size chunks of 256 KiB, the balanced DAG
/// layout with at most 174 links per node, sha2-256; CIDv0 wraps each chunk in a dag-pb
/// UnixFS `File` leaf, CIDv1 (`--cid-version 1`) turns raw leaves on. A file of one
/// chunk is its own root. Each byte is hashed once, in place: chunks that span several
/// regions (ring pages) are fed to SHA-256 piece by piece, never assembled.
public struct UnixFSFileHasher: Sendable {
    public static let chunkSize = 262_144
    public static let maxLinksPerNode = 174

    public let version: CIDVersion

    public init(version: CIDVersion = .v0) {
        self.version = version
    }

    /// One node of the DAG as its parent links to it.
    struct Link {
        var cid: ContentIdentifier
        /// Bytes of file content under the node (UnixFS `blocksizes` entry).
        var fileSize: UInt64
        /// Size of the node's block plus every block below it (dag-pb `Tsize`).
        var cumulativeSize: UInt64
    }

    public func cid(of bytes: some SegmentBytes) -> ContentIdentifier {
        var links = leaves(of: bytes)
        while links.count > 1 {
            links = stride(from: 0, to: links.count, by: Self.maxLinksPerNode).map { start in
                internalNode(Array(links[start..<min(start + Self.maxLinksPerNode, links.count)]))
            }
        }
        return links[0].cid
    }

    /// Hashes the leaves left to right. An empty file still has one (empty) leaf.
    func leaves(of bytes: some SegmentBytes) -> [Link] {
        let total = bytes.count
        var links: [Link] = []
        links.reserveCapacity(max(1, (total + Self.chunkSize - 1) / Self.chunkSize))
        var leaf = LeafHasher(version: version, length: min(total, Self.chunkSize))
        var remainingInFile = total
        bytes.forEachRegion { region in
            var offset = 0
            while offset < region.count {
                let take = min(leaf.remaining, region.count - offset)
                leaf.update(UnsafeRawBufferPointer(rebasing: region[offset..<offset + take]))
                offset += take
                if leaf.remaining == 0 {
                    links.append(leaf.finish())
                    remainingInFile -= leaf.length
                    if remainingInFile > 0 {
                        leaf = LeafHasher(version: version, length: min(remainingInFile, Self.chunkSize))
                    }
                }
            }
        }
        if total == 0 { links.append(leaf.finish()) }
        precondition(links.count == max(1, (total + Self.chunkSize - 1) / Self.chunkSize),
                     "SegmentBytes reported \(total) bytes but its regions held a different amount")
        return links
    }

    /// A dag-pb node holding `children`: PBNode { Links, Data: UnixFS File { filesize, blocksizes } }.
    func internalNode(_ children: [Link]) -> Link {
        var unixfs = ProtobufWriter(capacity: 16 + children.count * 5)
        unixfs.appendVarintField(1, 2)  // Type = File
        let fileSize = children.reduce(UInt64(0)) { $0 + $1.fileSize }
        unixfs.appendVarintField(3, fileSize)
        for child in children { unixfs.appendVarintField(4, child.fileSize) }

        var node = ProtobufWriter(capacity: children.count * 48 + unixfs.bytes.count + 8)
        for child in children {
            var link = ProtobufWriter(capacity: 48)
            link.appendBytesField(1, child.cid.bytes)  // Hash
            link.appendBytesField(2, [])  // Name: Kubo writes an empty name
            link.appendVarintField(3, child.cumulativeSize)  // Tsize
            node.appendBytesField(2, link.bytes)  // Links
        }
        node.appendBytesField(1, unixfs.bytes)  // Data

        let digest = Array(SHA256.hash(data: node.bytes))
        let cid = ContentIdentifier(version: version, codec: .dagProtobuf, digest: digest)
        let below = children.reduce(UInt64(0)) { $0 + $1.cumulativeSize }
        return Link(cid: cid, fileSize: fileSize, cumulativeSize: UInt64(node.bytes.count) + below)
    }
}

/// Hashes one leaf block while its chunk streams through. For dag-pb leaves the
/// protobuf framing depends only on the chunk length, known up front, so it is hashed
/// before and after the chunk bytes without copying them.
private struct LeafHasher {
    let version: CIDVersion
    let length: Int
    private(set) var remaining: Int
    private var sha = SHA256()
    private var trailer: [UInt8] = []
    private var blockSize: Int

    init(version: CIDVersion, length: Int) {
        self.version = version
        self.length = length
        remaining = length
        blockSize = length
        guard version == .v0 else { return }
        // PBNode { Data (1): UnixFS { Type (1) = File, Data (2) = chunk, filesize (3) } }
        var tail = ProtobufWriter(capacity: 12)
        tail.appendVarintField(3, UInt64(length))
        var inner = ProtobufWriter(capacity: 16)
        inner.appendVarintField(1, 2)
        if length > 0 { inner.appendLengthDelimitedHeader(2, length: length) }
        let unixfsLength = inner.bytes.count + (length > 0 ? length : 0) + tail.bytes.count
        var head = ProtobufWriter(capacity: 24)
        head.appendLengthDelimitedHeader(1, length: unixfsLength)
        let header = head.bytes + inner.bytes
        sha.update(data: header)
        trailer = tail.bytes
        blockSize = header.count + length + trailer.count
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        sha.update(bufferPointer: bytes)
        remaining -= bytes.count
    }

    mutating func finish() -> UnixFSFileHasher.Link {
        precondition(remaining == 0, "leaf finished early")
        if !trailer.isEmpty { sha.update(data: trailer) }
        let digest = Array(sha.finalize())
        let codec: ContentIdentifier.Codec = version == .v0 ? .dagProtobuf : .raw
        return .init(cid: ContentIdentifier(version: version, codec: codec, digest: digest),
                     fileSize: UInt64(length), cumulativeSize: UInt64(blockSize))
    }
}

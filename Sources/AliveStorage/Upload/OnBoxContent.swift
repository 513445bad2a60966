import Synchronization

/// The box as its own IPFS store (`storage.backend = "box"`, the embedded default): the
/// CIDs are the ones Kubo would give (computed on the box, as for every IPFS backend),
/// segments stay in the ring they already live in and chunk files (≤ 4200 bytes each) are
/// kept here, so the box's `/ipfs/<cid>` gateway can serve both while they last.
///
/// Bounded: the newest `segmentCapacity` segments and `chunkCapacity` chunks are indexed;
/// adding more forgets the oldest (policy `forgetOldest`). A forgotten segment has left
/// the ring long before; a forgotten chunk was published long before.
public final class OnBoxContent: Sendable {
    public enum Item: Sendable, Equatable {
        /// Served from the ring while the ring still holds that sequence.
        case segment(sequence: UInt64)
        case chunk([UInt8])
    }

    public let segmentCapacity: Int
    public let chunkCapacity: Int
    private let index: Mutex<Index>

    private struct Index {
        var items: [String: Item] = [:]
        /// Insertion order per kind, oldest first.
        var segments: [String] = []
        var chunks: [String] = []
    }

    public init(segmentCapacity: Int = 4096, chunkCapacity: Int = 512) {
        precondition(segmentCapacity > 0 && chunkCapacity > 0)
        self.segmentCapacity = segmentCapacity
        self.chunkCapacity = chunkCapacity
        index = Mutex(Index())
    }

    public func item(for cid: String) -> Item? {
        index.withLock { $0.items[cid] }
    }

    public var count: (segments: Int, chunks: Int) {
        index.withLock { ($0.segments.count, $0.chunks.count) }
    }

    /// Indexes `object` under `cid`: a segment by its ring sequence, a chunk by a copy of
    /// its bytes.
    func add(_ object: StorageObject, cid: String) throws(StorageError) {
        let item: Item
        switch object.kind {
        case .segment:
            guard let sequence = object.ringSequence else {
                throw StorageError(.invalidRequest, "\(object.name): a segment stored on the box must come from the ring")
            }
            item = .segment(sequence: sequence)
        case .chunk:
            var bytes: [UInt8] = []
            bytes.reserveCapacity(object.bytes.count)
            object.bytes.forEachRegion { bytes.append(contentsOf: $0) }
            item = .chunk(bytes)
        }
        index.withLock { index in
            if index.items.updateValue(item, forKey: cid) != nil { return }  // the same content again
            switch item {
            case .segment:
                index.segments.append(cid)
                if index.segments.count > segmentCapacity { index.items[index.segments.removeFirst()] = nil }
            case .chunk:
                index.chunks.append(cid)
                if index.chunks.count > chunkCapacity { index.items[index.chunks.removeFirst()] = nil }
            }
        }
    }
}

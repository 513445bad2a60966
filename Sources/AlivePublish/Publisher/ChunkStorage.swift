import AliveLedger
import AliveStorage

/// Where chunk files go before their hash is pushed on-chain: the box's storage
/// (`StorageUploader` conforms), so chunks land where the segments are.
public protocol ChunkStorage: Sendable {
    /// Stores the chunk file and returns the hash to publish (the CID).
    func storeChunk(_ chunk: AliveChunk, name: String) async throws -> String
}

extension StorageUploader: ChunkStorage {
    public func storeChunk(_ chunk: AliveChunk, name: String) async throws -> String {
        try await store(StorageObject(kind: .chunk, name: name, bytes: OwnedBytes(chunk.bytes))).hash
    }
}

import Foundation
import Testing
@testable import AliveStorage

/// `storage.backend = "box"`: the box's own store gives the CIDs a real Kubo node gives,
/// indexes segments by ring sequence and chunk files by their bytes, and forgets the
/// oldest beyond its capacity.
@Suite(.timeLimit(.minutes(3))) struct OnBoxContentTests {
    @Test func cidsMatchKuboAndTheNewestAreKept() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        let kubo = try StorageUploader(configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)])),
                                       client: client)
        let content = OnBoxContent(segmentCapacity: 2, chunkCapacity: 1)
        let box = try StorageUploader(configuration: StorageConfiguration(backend: .onBox(content)), client: client)

        var hashes: [String] = []
        for sequence in UInt64(0)..<3 {
            let bytes = pseudoRandomBytes(count: 2 * 262_144 + Int(sequence) * 1000, seed: sequence + 40)
            let onBox = try await box.store(StorageObject(kind: .segment, name: "\(sequence).ts", bytes: OwnedBytes(bytes),
                                                          ringSequence: sequence))
            let atKubo = try await kubo.store(StorageObject(kind: .segment, name: "\(sequence).ts", bytes: OwnedBytes(bytes)))
            #expect(onBox.hash == atKubo.hash, "segment \(sequence)")
            #expect(onBox.endpoint == "box" && onBox.byteCount == bytes.count)
            hashes.append(onBox.hash)
        }
        #expect(content.item(for: hashes[0]) == nil, "the oldest segment is forgotten beyond the capacity")
        #expect(content.item(for: hashes[1]) == .segment(sequence: 1))
        #expect(content.item(for: hashes[2]) == .segment(sequence: 2))

        let csv = Array("\(hashes[1]),2.000\n\(hashes[2]),2.000".utf8)
        let chunk = try await box.store(StorageObject(kind: .chunk, name: "chunk-1-2.csv", bytes: OwnedBytes(csv)))
        #expect(try await kubo.store(StorageObject(kind: .chunk, name: "chunk-1-2.csv", bytes: OwnedBytes(csv))).hash == chunk.hash)
        #expect(content.item(for: chunk.hash) == .chunk(csv))
        let next = try await box.store(StorageObject(kind: .chunk, name: "chunk-3.csv", bytes: OwnedBytes(Array("x,1".utf8))))
        #expect(content.item(for: chunk.hash) == nil && content.item(for: next.hash) != nil)
        #expect(content.count == (segments: 2, chunks: 1))

        // A segment that does not come from the ring cannot be served later: refused.
        await #expect(throws: StorageError.self) {
            try await box.store(StorageObject(kind: .segment, name: "stray.ts", bytes: OwnedBytes([1, 2, 3])))
        }
    }
}

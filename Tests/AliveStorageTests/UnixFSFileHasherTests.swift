import AliveTestSupport
import Foundation
import Testing
@testable import AliveStorage

/// The device CID against real Kubo (`AddFile(…, onlyHash=true)` through the loopback
/// front) for CIDv0, and against aleph-cid (an independent Kubo-compatible
/// implementation, golden-tested against Kubo) for CIDv1 with raw leaves.
@Suite(.timeLimit(.minutes(5))) struct UnixFSFileHasherTests {
    static let chunk = UnixFSFileHasher.chunkSize
    static let boundarySizes = [0, 1, chunk - 1, chunk, chunk + 1, 174 * chunk, 174 * chunk + 1]

    @Test func wellKnownCIDs() {
        #expect(UnixFSFileHasher(version: .v0).cid(of: OwnedBytes([])).description == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
        #expect(UnixFSFileHasher(version: .v1).cid(of: OwnedBytes([])).description == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku")
        #expect(UnixFSFileHasher(version: .v0).cid(of: OwnedBytes(Array("hello world".utf8))).description.hasPrefix("Qm"))
    }

    @Test func boundarySizesMatchKubo() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        for (index, size) in Self.boundarySizes.enumerated() {
            let bytes = pseudoRandomBytes(count: size, seed: UInt64(index + 1))
            try await expectSameCIDs(bytes, label: "size \(size)", front: front, client: client)
        }
    }

    @Test func randomSizesMatchKubo() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        var generator = SystemRandomNumberGenerator()
        // One large file near the 50 MB bound, a few smaller ones; sizes are logged so a
        // failure can be replayed with the printed seed.
        let sizes = [Int.random(in: 40_000_000...50_000_000, using: &generator)]
            + (0..<4).map { _ in Int.random(in: 2...8_000_000, using: &generator) }
        for size in sizes {
            let seed = UInt64.random(in: 1...UInt64.max, using: &generator)
            let bytes = pseudoRandomBytes(count: size, seed: seed)
            try await expectSameCIDs(bytes, label: "size \(size) seed \(seed)", front: front, client: client)
        }
    }

    @Test func mpegTransportStreamMatchesKubo() async throws {
        let directory = TestScratch.directory("ts")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("segment.ts").path
        try ExternalProcess.output("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                                       "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                                                       "-t", "4", "-c:v", "mpeg2video", "-b:v", "6M", "-minrate", "6M", "-maxrate", "6M", "-bufsize", "2M",
                                                       "-c:a", "aac", "-f", "mpegts", path], timeout: 60)
        let file = try MappedFile(path: path)
        defer { file.close() }
        #expect(file.count > 4 * Self.chunk, "the segment should span several chunks")

        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        let bytes = file.copyBytes()
        let kubo = try await front.kuboCID(of: bytes, using: client)
        #expect(UnixFSFileHasher(version: .v0).cid(of: file).description == kubo)
        #expect(UnixFSFileHasher(version: .v1).cid(of: file).description
                == (try await front.kuboCID(of: bytes, cidVersion: .v1, using: client)))
    }

    @Test func regionLayoutDoesNotChangeTheCID() {
        let bytes = pseudoRandomBytes(count: 3 * Self.chunk + 12_345, seed: 99)
        for version in CIDVersion.allCases {
            let hasher = UnixFSFileHasher(version: version)
            let whole = hasher.cid(of: OwnedBytes(bytes))
            for pageSize in [997, 4096, 65_536, Self.chunk, Self.chunk + 1, 1_000_000] {
                #expect(hasher.cid(of: PagedBytes(bytes, pageSize: pageSize)) == whole, "page size \(pageSize)")
            }
        }
    }

    private func expectSameCIDs(_ bytes: [UInt8], label: String, front: KuboFront, client: HTTPClient) async throws {
        let paged = PagedBytes(bytes, pageSize: 65_536)
        let v0 = UnixFSFileHasher(version: .v0).cid(of: paged).description
        #expect(v0 == (try await front.kuboCID(of: bytes, using: client)), "CIDv0, \(label)")
        let v1 = UnixFSFileHasher(version: .v1).cid(of: paged).description
        #expect(v1 == (try await front.kuboCID(of: bytes, cidVersion: .v1, using: client)), "CIDv1, \(label)")
    }
}

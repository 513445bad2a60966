import AliveMedia
import Testing
@testable import AliveStorage

/// The storage stage reads segments straight from ring pages.
struct RingSegmentTests {
    private func write(_ bytes: [UInt8], into ring: SegmentRing) -> Segment? {
        let writer = ring.openWriter()
        bytes.withUnsafeBytes { writer.append($0) }
        return writer.close(SegmentDescription(durationMilliseconds: 2002, startMilliseconds: 0, discontinuity: false, hasVideo: true, hasAudio: true))
    }

    @Test func cidFromRingPagesEqualsCidOfTheSameBytes() throws {
        // 4 KiB pages: a 1.1 MB segment spans hundreds of regions and several 256 KiB chunks.
        let ring = SegmentRing(configuration: .init(budgetBytes: 4 << 20, pageSize: 4096, playlistWindow: 4))
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<1_100_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let segment = try #require(write(bytes, into: ring))
        let stored = RingSegment(segment, in: ring)
        #expect(stored.sequence == 0 && stored.duration == 2.002 && stored.name == "0.ts")
        let lease = try #require(stored.lease())
        #expect(lease.count == bytes.count)
        for version in [CIDVersion.v0, .v1] {
            let hasher = UnixFSFileHasher(version: version)
            #expect(hasher.cid(of: lease) == hasher.cid(of: OwnedBytes(bytes)))
        }
        #expect(lease.copyBytes() == bytes)
    }

    @Test func aSegmentGoneFromTheRingHasNoLease() throws {
        let ring = SegmentRing(configuration: .init(budgetBytes: 64 << 10, pageSize: 4096, playlistWindow: 2))
        let first = try #require(write([UInt8](repeating: 1, count: 30_000), into: ring))
        for _ in 0..<4 { _ = write([UInt8](repeating: 2, count: 30_000), into: ring) }
        #expect(RingSegment(first, in: ring).lease() == nil)
    }
}

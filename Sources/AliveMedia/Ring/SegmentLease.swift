import NIOCore

/// Read access to one segment's bytes in the ring. While a lease lives the segment's pages
/// are not reused; let it go as soon as the bytes are consumed.
public final class SegmentLease: @unchecked Sendable {
    // @unchecked: immutable after init; the pages it points at are not written while leased.
    public let segment: Segment
    /// The segment's bytes, in order, one region per ring page. No copy was made.
    public let regions: [UnsafeRawBufferPointer]
    private let ring: SegmentRing

    init(ring: SegmentRing, segment: Segment, regions: [UnsafeRawBufferPointer]) {
        self.ring = ring
        self.segment = segment
        self.regions = regions
    }

    deinit { ring.endLease(segment.sequence) }

    /// Copies the bytes into a buffer (for a response that outlives the lease).
    public func write(into buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: segment.byteCount)
        for region in regions { buffer.writeBytes(region) }
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(segment.byteCount)
        for region in regions { out.append(contentsOf: region) }
        return out
    }
}

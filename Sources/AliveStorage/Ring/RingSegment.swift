import AliveMedia

/// A lease on a ring segment reads its pages in place: the CID is computed and the upload
/// streamed straight from the ring, no copy.
extension SegmentLease: SegmentBytes {
    public var count: Int { segment.byteCount }

    public func forEachRegion(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for region in regions { try body(region) }
    }
}

/// A closed ring segment as the storage stage takes it. The bytes are leased only while
/// the stage hashes and uploads them; if the ring dropped the segment meanwhile, `lease()`
/// is nil and the stage reports a gap.
public struct RingSegment: StorableSegment {
    public let segment: Segment
    private let ring: SegmentRing

    public init(_ segment: Segment, in ring: SegmentRing) {
        self.segment = segment
        self.ring = ring
    }

    public var sequence: UInt64 { segment.sequence }
    /// Seconds with the millisecond precision the segmenter measured.
    public var duration: Double { segment.durationSeconds }
    public var discontinuity: Bool { segment.discontinuity }

    public func lease() -> (any SegmentBytes)? { ring.lease(segment.sequence) }
}

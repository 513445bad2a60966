/// Read-only bytes laid out as one or more contiguous memory regions, in order.
///
/// The segment ring keeps a segment as a list of fixed-size pages; conforming to this
/// protocol lets the CID computation and the upload read those pages in place, so a
/// segment is never copied to disk or into another buffer on its way out.
///
/// Contract for conforming types: while a value is alive, the regions it reports stay
/// valid and their contents unchanged (for the ring: the value is a lease that keeps its
/// pages from being overwritten until it is released).
public protocol SegmentBytes: Sendable {
    /// Total number of bytes over all regions.
    var count: Int { get }

    /// Calls `body` with each region in order. Empty regions may be reported and are
    /// skipped by every reader.
    func forEachRegion(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows
}

extension SegmentBytes {
    /// The regions as a list, for readers that need random access (the upload read
    /// callback). The pointers are valid while `self` is alive.
    func regionList() -> [UnsafeRawBufferPointer] {
        var regions: [UnsafeRawBufferPointer] = []
        forEachRegion { region in
            if !region.isEmpty { regions.append(region) }
        }
        return regions
    }

    /// A copy of every byte, for tests and small payloads only.
    public func copyBytes() -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        forEachRegion { result.append(contentsOf: $0) }
        return result
    }
}

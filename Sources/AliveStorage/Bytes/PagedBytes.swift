/// Bytes split over a list of separately owned pages, like the segment ring stores a
/// segment (fixed-size pages, the last one partly filled). Used by the tests and the
/// benchmark to exercise the multi-region paths; the ring has its own conformance.
public final class PagedBytes: SegmentBytes {
    private let pages: [OwnedBytes]

    /// Splits `bytes` into pages of `pageSize` bytes (the last may be shorter).
    public init(_ bytes: [UInt8], pageSize: Int) {
        precondition(pageSize > 0, "page size must be positive")
        var pages: [OwnedBytes] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + pageSize, bytes.count)
            pages.append(OwnedBytes(bytes[start..<end]))
            start = end
        }
        self.pages = pages
        count = bytes.count
    }

    public let count: Int

    public func forEachRegion(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        for page in pages { try page.forEachRegion(body) }
    }
}

// Immutable after init; every page is itself Sendable.
extension PagedBytes: @unchecked Sendable {}

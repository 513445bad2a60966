/// The ring's memory: one allocation of fixed-size pages made at start-up and touched
/// once, so the budget is resident from the first second and can never grow.
///
/// Only the base pointer and the geometry live here (immutable, so shared freely); which
/// page belongs to whom is `SegmentRing`'s bookkeeping under its lock. A page handed to a
/// writer, or to a reader through a lease, is only touched by that owner.
final class PageArena: @unchecked Sendable {
    // @unchecked: `base` is written only by the single owner of each page (see above);
    // the arena itself never changes after init.
    let pageSize: Int
    let pageCount: Int
    private let base: UnsafeMutableRawPointer

    init(budgetBytes: Int, pageSize: Int) {
        precondition(pageSize > 0 && budgetBytes >= pageSize)
        self.pageSize = pageSize
        self.pageCount = budgetBytes / pageSize
        self.base = UnsafeMutableRawPointer.allocate(byteCount: pageCount * pageSize, alignment: 4096)
        // Touch every page now: the budget is reserved, not promised.
        self.base.initializeMemory(as: UInt8.self, repeating: 0, count: pageCount * pageSize)
    }

    deinit { base.deallocate() }

    var byteCount: Int { pageCount * pageSize }

    func pointer(to page: Int32) -> UnsafeMutableRawPointer {
        precondition(page >= 0 && Int(page) < pageCount)
        return base + Int(page) * pageSize
    }

    /// The bytes of a segment stored in `pages`, in order, `byteCount` long in total.
    func regions(pages: [Int32], byteCount: Int) -> [UnsafeRawBufferPointer] {
        var remaining = byteCount
        var regions: [UnsafeRawBufferPointer] = []
        regions.reserveCapacity(pages.count)
        for page in pages where remaining > 0 {
            let length = min(remaining, pageSize)
            regions.append(UnsafeRawBufferPointer(start: pointer(to: page), count: length))
            remaining -= length
        }
        return regions
    }
}

/// Sequential reader over a `SegmentBytes`' regions for libcurl's read callbacks:
/// copies straight from the caller's memory into curl's send buffer, and can seek back
/// when curl rewinds a body (a retried send on a reused connection).
final class RegionReader {
    private let source: any SegmentBytes  // keeps the regions alive
    private let regions: [UnsafeRawBufferPointer]
    private var regionIndex = 0
    private var offsetInRegion = 0
    let count: Int

    init(_ source: any SegmentBytes) {
        self.source = source
        regions = source.regionList()
        count = regions.reduce(0) { $0 + $1.count }
    }

    /// Copies up to `capacity` bytes into `destination`; 0 at the end.
    func read(into destination: UnsafeMutableRawPointer, capacity: Int) -> Int {
        var written = 0
        while written < capacity, regionIndex < regions.count {
            let region = regions[regionIndex]
            let take = min(capacity - written, region.count - offsetInRegion)
            (destination + written).copyMemory(from: region.baseAddress! + offsetInRegion, byteCount: take)
            written += take
            offsetInRegion += take
            if offsetInRegion == region.count {
                regionIndex += 1
                offsetInRegion = 0
            }
        }
        return written
    }

    /// Moves to an absolute position; false if out of range.
    func seek(to position: Int) -> Bool {
        guard position >= 0, position <= count else { return false }
        var rest = position
        regionIndex = 0
        offsetInRegion = 0
        while regionIndex < regions.count, rest >= regions[regionIndex].count {
            rest -= regions[regionIndex].count
            regionIndex += 1
        }
        offsetInRegion = rest
        return true
    }
}

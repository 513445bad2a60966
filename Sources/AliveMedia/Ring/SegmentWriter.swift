/// The open segment: bytes appended into ring pages as the muxer produces them.
/// Owned by one thread (the segmenter's); not Sendable.
public final class SegmentWriter {
    private let ring: SegmentRing
    private var pages: [Int32] = []
    private var current: UnsafeMutableRawPointer?
    private var offsetInPage = 0
    private var closed = false
    public private(set) var byteCount = 0
    /// The segment could not fit in the ring; further bytes are discarded and it will be refused.
    public private(set) var overflowed = false

    init(ring: SegmentRing) { self.ring = ring }

    deinit { assert(closed, "SegmentWriter dropped without close() or abandon()") }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard !overflowed, var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        let pageSize = ring.arena.pageSize
        while remaining > 0 {
            if current == nil || offsetInPage == pageSize {
                guard let page = ring.allocatePageForWriter() else {
                    overflowed = true
                    return
                }
                pages.append(page)
                current = ring.arena.pointer(to: page)
                offsetInPage = 0
            }
            let count = min(remaining, pageSize - offsetInPage)
            (current! + offsetInPage).copyMemory(from: source, byteCount: count)
            offsetInPage += count
            byteCount += count
            source += count
            remaining -= count
        }
    }

    /// Stores the segment. Returns it, or nil when it was refused (too large) or empty.
    @discardableResult
    public func close(_ description: SegmentDescription, closedAt: ContinuousClock.Instant = .now) -> Segment? {
        precondition(!closed)
        closed = true
        return ring.commit(pages: pages, byteCount: byteCount, overflowed: overflowed, description: description, closedAt: closedAt)
    }

    /// Gives the pages back without storing anything.
    public func abandon() {
        precondition(!closed)
        closed = true
        ring.abandon(pages: pages)
    }
}

/// What the segmenter knows about a segment when it closes it; the ring adds the sequence.
public struct SegmentDescription: Sendable {
    public var durationMilliseconds: Int64
    public var startMilliseconds: Int64
    public var discontinuity: Bool
    public var hasVideo: Bool
    public var hasAudio: Bool

    public init(durationMilliseconds: Int64, startMilliseconds: Int64, discontinuity: Bool, hasVideo: Bool, hasAudio: Bool) {
        self.durationMilliseconds = durationMilliseconds
        self.startMilliseconds = startMilliseconds
        self.discontinuity = discontinuity
        self.hasVideo = hasVideo
        self.hasAudio = hasAudio
    }
}

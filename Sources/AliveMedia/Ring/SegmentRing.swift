import Synchronization

/// Fixed-budget store of closed segments, the hub of the media path.
///
/// Memory is one page arena allocated at start (`PageArena`); a segment is a list of pages.
/// When the open segment needs a page and none is free, the ring evicts, in order:
/// the oldest segment nobody needs (outside the playlist window, no holds), then the oldest
/// segment still needed (a gap, counted and announced as `.dropped`). Segments being read
/// (leased) are never evicted. If nothing can go, the open segment is refused — the budget
/// is never exceeded.
///
/// Stages subscribe to `SegmentEvent`s; nothing polls.
public final class SegmentRing: Sendable {
    public struct Configuration: Sendable {
        /// Memory budget for segment bytes; rounded down to whole pages.
        public var budgetBytes: Int
        /// Allocation unit. 64 KiB divides IPFS's 256 KiB chunks, so hashing never straddles pages badly.
        public var pageSize: Int
        /// Segments named by the live playlist; they count as needed.
        public var playlistWindow: Int
        /// Events a slow subscriber may lag behind before its oldest undelivered event is dropped.
        public var subscriberBuffer: Int

        public init(budgetBytes: Int = 64 << 20, pageSize: Int = 64 << 10, playlistWindow: Int = 6, subscriberBuffer: Int = 256) {
            self.budgetBytes = budgetBytes
            self.pageSize = pageSize
            self.playlistWindow = playlistWindow
            self.subscriberBuffer = subscriberBuffer
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var budgetBytes: Int
        public var bytesInUse: Int
        public var peakBytesInUse: Int
        public var segmentCount: Int
        public var segmentsClosed: UInt64
        /// Needed segments evicted to make room (gaps).
        public var segmentsDropped: UInt64
        /// Segments refused because they could not fit even after evicting everything allowed.
        public var segmentsRefused: UInt64
        /// Events dropped because a subscriber was too slow (overflow policy: drop oldest).
        public var eventsDropped: UInt64
    }

    private struct StoredSegment {
        var segment: Segment
        var pages: [Int32]
        var holds: Int
        var leases: Int
    }

    private struct State {
        var freePages: [Int32]
        var segments: [StoredSegment] = []     // oldest first, ascending sequence
        var nextSequence: UInt64
        var discontinuityCount: UInt64 = 0
        var forceDiscontinuity = false
        var writerOpen = false
        var peakPagesInUse = 0
        var segmentsClosed: UInt64 = 0
        var segmentsDropped: UInt64 = 0
        var segmentsRefused: UInt64 = 0
        var eventsDropped: UInt64 = 0
        var subscribers: [Int: AsyncStream<SegmentEvent>.Continuation] = [:]
        var handlers: [Int: @Sendable (SegmentEvent) -> Void] = [:]
        var nextSubscriberID = 0
    }

    public let configuration: Configuration
    let arena: PageArena
    private let state: Mutex<State>

    /// - Parameter firstSequence: where media sequence numbering starts (resumed after a restart).
    public init(configuration: Configuration, firstSequence: UInt64 = 0) {
        precondition(configuration.budgetBytes >= configuration.pageSize, "ring budget below one page")
        self.configuration = configuration
        self.arena = PageArena(budgetBytes: configuration.budgetBytes, pageSize: configuration.pageSize)
        let pages: [Int32] = (0..<Int32(arena.pageCount)).reversed()
        self.state = Mutex(State(freePages: pages, nextSequence: firstSequence))
    }

    // MARK: Writing

    /// Opens the writer for the next segment. One writer at a time (the segmenter's).
    public func openWriter() -> SegmentWriter {
        state.withLock { state in
            precondition(!state.writerOpen, "one open segment at a time")
            state.writerOpen = true
        }
        return SegmentWriter(ring: self)
    }

    /// A page for the open segment, evicting per the policy above; nil when none can be had.
    func allocatePageForWriter() -> Int32? {
        var events: [SegmentEvent] = []
        let page: Int32? = state.withLock { state in
            if let page = state.freePages.popLast() {
                state.peakPagesInUse = max(state.peakPagesInUse, arena.pageCount - state.freePages.count)
                return page
            }
            guard let victim = evictionCandidate(in: state) else { return nil }
            let evicted = state.segments.remove(at: victim)
            if isNeeded(evicted, in: state) {
                state.segmentsDropped += 1
                MediaMetrics.segmentsDropped.increment()
                events.append(.dropped(sequence: evicted.segment.sequence, reason: .evictedWhileNeeded))
            }
            state.freePages.append(contentsOf: evicted.pages)
            return state.freePages.popLast()
        }
        publish(events)
        return page
    }

    /// Called by the writer when the segment is complete. Returns nil when it was refused.
    func commit(pages: [Int32], byteCount: Int, overflowed: Bool, description: SegmentDescription, closedAt: ContinuousClock.Instant) -> Segment? {
        var events: [SegmentEvent] = []
        let segment: Segment? = state.withLock { state in
            state.writerOpen = false
            if overflowed || byteCount == 0 {
                state.freePages.append(contentsOf: pages)
                if overflowed {
                    state.segmentsRefused += 1
                    MediaMetrics.segmentsRefused.increment()
                    // Media is missing between the previous segment and the next one.
                    state.forceDiscontinuity = true
                }
                return nil
            }
            let discontinuity = description.discontinuity || state.forceDiscontinuity
            state.forceDiscontinuity = false
            if discontinuity { state.discontinuityCount += 1 }
            let segment = Segment(
                sequence: state.nextSequence,
                durationMilliseconds: description.durationMilliseconds,
                discontinuity: discontinuity,
                discontinuityCount: state.discontinuityCount,
                startMilliseconds: description.startMilliseconds,
                byteCount: byteCount,
                hasVideo: description.hasVideo,
                hasAudio: description.hasAudio
            )
            state.nextSequence += 1
            state.segmentsClosed += 1
            MediaMetrics.segmentsClosed.increment()
            MediaMetrics.segmentBytes.increment(by: Int64(byteCount))
            state.segments.append(StoredSegment(segment: segment, pages: pages, holds: 0, leases: 0))
            events.append(.closed(segment, closedAt: closedAt))
            return segment
        }
        publish(events)
        return segment
    }

    /// Abandons the open segment without storing it (e.g. the muxer failed).
    func abandon(pages: [Int32]) {
        state.withLock { state in
            state.writerOpen = false
            state.freePages.append(contentsOf: pages)
            state.forceDiscontinuity = true
        }
    }

    private func isNeeded(_ stored: StoredSegment, in state: State) -> Bool {
        if stored.holds > 0 { return true }
        guard let newest = state.segments.last?.segment.sequence else { return false }
        let window = UInt64(configuration.playlistWindow)
        return newest < window || stored.segment.sequence > newest - window
    }

    private func evictionCandidate(in state: State) -> Int? {
        if let unneeded = state.segments.firstIndex(where: { $0.leases == 0 && !isNeeded($0, in: state) }) {
            return unneeded
        }
        return state.segments.firstIndex(where: { $0.leases == 0 })
    }

    // MARK: Reading

    /// Pins a segment's bytes for reading; the segment is not evicted while the lease lives.
    public func lease(_ sequence: UInt64) -> SegmentLease? {
        let found: (Segment, [Int32])? = state.withLock { state in
            guard let index = state.segments.firstIndex(where: { $0.segment.sequence == sequence }) else { return nil }
            state.segments[index].leases += 1
            return (state.segments[index].segment, state.segments[index].pages)
        }
        guard let (segment, pages) = found else { return nil }
        return SegmentLease(ring: self, segment: segment, regions: arena.regions(pages: pages, byteCount: segment.byteCount))
    }

    func endLease(_ sequence: UInt64) {
        state.withLock { state in
            if let index = state.segments.firstIndex(where: { $0.segment.sequence == sequence }) {
                state.segments[index].leases -= 1
            }
        }
    }

    /// Marks a segment as needed by a later stage (upload, publish) until `release` is called.
    /// Returns false when the segment is no longer in the ring.
    @discardableResult
    public func hold(_ sequence: UInt64) -> Bool {
        state.withLock { state in
            guard let index = state.segments.firstIndex(where: { $0.segment.sequence == sequence }) else { return false }
            state.segments[index].holds += 1
            return true
        }
    }

    public func release(_ sequence: UInt64) {
        state.withLock { state in
            if let index = state.segments.firstIndex(where: { $0.segment.sequence == sequence }), state.segments[index].holds > 0 {
                state.segments[index].holds -= 1
            }
        }
    }

    /// The segments the live playlist names: the newest `playlistWindow`, contiguous in sequence.
    public func playlistSegments() -> [Segment] {
        state.withLock { state in
            var window: [Segment] = []
            for stored in state.segments.reversed() {
                if let first = window.last, stored.segment.sequence + 1 != first.sequence { break }
                window.append(stored.segment)
                if window.count == configuration.playlistWindow { break }
            }
            return window.reversed()
        }
    }

    public var nextSequence: UInt64 { state.withLock { $0.nextSequence } }

    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                budgetBytes: arena.byteCount,
                bytesInUse: (arena.pageCount - state.freePages.count) * arena.pageSize,
                peakBytesInUse: state.peakPagesInUse * arena.pageSize,
                segmentCount: state.segments.count,
                segmentsClosed: state.segmentsClosed,
                segmentsDropped: state.segmentsDropped,
                segmentsRefused: state.segmentsRefused,
                eventsDropped: state.eventsDropped
            )
        }
    }

    // MARK: Events

    /// Segment events from now on. Overflow policy: a subscriber more than
    /// `subscriberBuffer` events behind loses the oldest undelivered ones (counted).
    public func subscribe() -> AsyncStream<SegmentEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: SegmentEvent.self, bufferingPolicy: .bufferingNewest(configuration.subscriberBuffer))
        let id = state.withLock { state in
            let id = state.nextSubscriberID
            state.nextSubscriberID += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Calls `handler` for every event, synchronously, on the thread that caused it (the
    /// segmenter's, for `.closed`), right after the ring's own bookkeeping: delivery takes
    /// microseconds whatever the scheduler is doing. The handler must not block: it records
    /// or enqueues and returns. Returns a token for `unsubscribe`.
    public func subscribe(_ handler: @escaping @Sendable (SegmentEvent) -> Void) -> Int {
        state.withLock { state in
            let id = state.nextSubscriberID
            state.nextSubscriberID += 1
            state.handlers[id] = handler
            return id
        }
    }

    public func unsubscribe(_ token: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    /// Ends every subscriber's stream (shutdown).
    public func finishSubscribers() {
        let subscribers = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for continuation in subscribers { continuation.finish() }
    }

    private func publish(_ events: [SegmentEvent]) {
        guard !events.isEmpty else { return }
        let (subscribers, handlers) = state.withLock { (Array($0.subscribers.values), Array($0.handlers.values)) }
        for event in events {
            for handler in handlers { handler(event) }
        }
        var dropped: UInt64 = 0
        for event in events {
            for continuation in subscribers {
                if case .dropped = continuation.yield(event) { dropped += 1 }
            }
        }
        if dropped > 0 { state.withLock { $0.eventsDropped += dropped } }
    }
}

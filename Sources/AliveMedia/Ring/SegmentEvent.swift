/// What the ring tells its subscribers. Delivered in order, as soon as it happens.
public enum SegmentEvent: Sendable {
    /// A segment closed and is in the ring. `closedAt` is when the segmenter closed it, so a
    /// subscriber can measure how late it learnt about it.
    case closed(Segment, closedAt: ContinuousClock.Instant)
    /// A segment left the ring before every stage was done with it: a gap for those stages.
    case dropped(sequence: UInt64, reason: SegmentDropReason)
}

public enum SegmentDropReason: String, Sendable {
    /// The ring was full of needed segments and the oldest had to go to make room.
    case evictedWhileNeeded = "evicted-while-needed"
    /// The segment alone was larger than the whole ring budget: refused, never stored.
    case largerThanBudget = "larger-than-budget"
}

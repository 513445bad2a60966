/// The storage stage's input: a closed segment as the ring hands it over.
public protocol StorableSegment: Sendable {
    /// Position in the stream, increasing by one per segment.
    var sequence: UInt64 { get }
    /// Media duration in seconds.
    var duration: Double { get }
    /// True for the first segment after a break the segmenter or the ring knows of (an
    /// encoder that reconnected, media refused or abandoned before it became a segment).
    var discontinuity: Bool { get }
    /// File name for the upload, e.g. `"\(sequence).ts"`.
    var name: String { get }
    /// The segment's bytes, held (leased) for as long as the returned value lives; nil
    /// once the ring has dropped the segment, which makes it a gap.
    func lease() -> (any SegmentBytes)?
}

extension StorableSegment {
    public var name: String { "\(sequence).ts" }
}

/// What the stage reports, in sequence order, to the next stage (publisher, journal).
public enum StorageEvent: Sendable, Equatable {
    case stored(StoredSegment)
    /// The segment left the ring (or was dropped from the full queue) before it was
    /// stored; playback needs a discontinuity here.
    case gap(sequence: UInt64, duration: Double)
}

public struct StoredSegment: Sendable, Equatable {
    public var sequence: UInt64
    public var duration: Double
    /// The segment's own `discontinuity` (gaps before it are reported as `.gap` events).
    public var discontinuity: Bool
    public var object: StoredObject
    /// Media seconds uploaded per wall-clock second (above 1: faster than real time).
    public var realTimeFactor: Double
    /// Attempts it took, 1 when the first one succeeded.
    public var attempts: Int
}

/// Counters and flags for the status page and metrics.
public struct StorageStatus: Sendable, Equatable {
    public var pending = 0
    public var stored = 0
    public var gaps = 0
    public var failedAttempts = 0
    public var slowUploads = 0
    /// True while the last upload ran slower than `minimumRealTimeFactor` × real time.
    public var isSlowerThanRealTime = false
    public var lastRealTimeFactor: Double?
}

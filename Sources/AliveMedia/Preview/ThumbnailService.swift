import CFFmpeg
import CMalloc
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps a JPEG of the stream's latest keyframe for the status page, made off the media path.
///
/// The segmenter hands in the keyframe each segment starts with (`KeyframeTap`, on the
/// segmenter's queue: a lock and an enqueue, nothing else). Decoding, scaling and JPEG
/// encoding (milliseconds) run on this service's own serial queue at utility priority,
/// never on the segmenter's queue or an event loop.
///
/// Hand-off: bounded to **one** waiting keyframe besides the one being worked on.
/// Overflow policy: **keep only the latest** — a keyframe arriving while another still
/// waits replaces it (counted in `keyframesReplaced`): once a newer picture exists, a
/// thumbnail of the older one is worth nothing. Only the latest JPEG is kept (one image).
///
/// Memory: between keyframes the libav contexts are freed and the heap trimmed. An open
/// 1080p decoder and encoder hold ~8 MiB; reopening them costs ~8 ms once per segment,
/// far cheaper on a small box than keeping 8 MiB for a picture made every 2-10 s.
public final class ThumbnailService: KeyframeTap, Service {
    public struct Counters: Sendable, Equatable {
        public var keyframesReceived: UInt64 = 0
        /// Keyframes dropped unprocessed because a newer one arrived while they waited.
        public var keyframesReplaced: UInt64 = 0
        public var thumbnailsMade: UInt64 = 0
        public var failures: UInt64 = 0
        /// Why the last failed keyframe did not become a thumbnail (kept after later successes).
        public var lastError: String?
        /// H.264 decoders opened so far: one per decoder configuration in a row.
        public var decodersOpened: UInt64 = 0
    }

    private struct State {
        var waiting: SegmentKeyframe?
        /// A drain is scheduled or running on `queue`.
        var working = false
        var latest: Thumbnail?
        var counters = Counters()
        var closed = false
    }

    /// Lower priority than the segmenter: under load, the thumbnail waits, the media does not.
    let queue = DispatchQueue(label: "alived.thumbnail", qos: .utility)
    // Only touched on `queue` (the drain and `close()` run there), so never concurrently.
    private nonisolated(unsafe) let thumbnailer: Thumbnailer
    private let state = Mutex(State())
    private let logger: Logger

    public init(configuration: Thumbnailer.Configuration = .init(), logger: Logger) {
        thumbnailer = Thumbnailer(configuration: configuration)
        self.logger = logger
    }

    /// The most recent thumbnail, nil until the first keyframe has been made into one.
    public func latestThumbnail() -> Thumbnail? {
        state.withLock { $0.latest }
    }

    public var counters: Counters {
        state.withLock { $0.counters }
    }

    /// `KeyframeTap`: called on the segmenter's queue; never waits for the work.
    public func segmentStarted(with keyframe: SegmentKeyframe) {
        let schedule: Bool = state.withLock { state in
            guard !state.closed else { return false }
            state.counters.keyframesReceived += 1
            if state.waiting != nil { state.counters.keyframesReplaced += 1 }
            state.waiting = keyframe
            guard !state.working else { return false }
            state.working = true
            return true
        }
        if schedule { queue.async { [self] in drain() } }
    }

    /// Makes thumbnails until no keyframe waits.
    private func drain() {
        dispatchPrecondition(condition: .onQueue(queue))
        defer {
            thumbnailer.releaseContexts()
            _ = malloc_trim(0)   // glibc keeps freed libav buffers in its heap otherwise
        }
        while let keyframe = takeWaiting() {
            let result = Result { () throws(ThumbnailError) in try thumbnailer.thumbnail(of: keyframe) }
            let decodersOpened = thumbnailer.counters.decodersOpened
            // A failure like the previous one goes to debug: a stream that keeps failing the
            // same way warns once, not once per segment.
            let failureLogLevel: Logger.Level? = state.withLock { state in
                state.counters.decodersOpened = decodersOpened
                switch result {
                case .success(let thumbnail):
                    state.latest = thumbnail
                    state.counters.thumbnailsMade += 1
                    return nil
                case .failure(let error):
                    let repeated = state.counters.lastError == error.description
                    state.counters.failures += 1
                    state.counters.lastError = error.description
                    return repeated ? .debug : .warning
                }
            }
            if case .failure(let error) = result, let failureLogLevel {
                logger.log(level: failureLogLevel, "no thumbnail from this keyframe", metadata: [
                    "error": "\(error)", "segment.start_ms": "\(keyframe.segmentStartMilliseconds)",
                ])
            }
        }
    }

    private func takeWaiting() -> SegmentKeyframe? {
        state.withLock { state in
            let next = state.waiting
            state.waiting = nil
            if next == nil { state.working = false }
            return next
        }
    }

    /// Stops taking keyframes, drops a waiting one, waits for one in progress and frees
    /// the libav contexts. Safe to call twice.
    public func close() async {
        state.withLock { state in
            state.closed = true
            state.waiting = nil
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                thumbnailer.close()
                continuation.resume()
            }
        }
    }

    /// Its place in the service group: closed on shutdown, after the segmenter (placed before it).
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

import Dispatch
import Logging
import Synchronization

/// Runs the `Segmenter` on its own serial queue (libavformat never runs on an event loop)
/// behind a bounded hand-off from the ingest.
///
/// Overflow policy: **back-pressure**. `submit` reports when the bytes waiting exceed the
/// high-water mark; the ingest then stops reading its socket (TCP pushes back on the
/// encoder, which drops frames on its side) until `whenDrained` fires below the low-water
/// mark. A hard cap beyond that drops media frames (counted) so memory stays bounded even
/// if a source ignores the signal.
public final class SegmenterPipeline: Sendable {
    public struct Limits: Sendable {
        // One second of 8 Mbit/s video: the segmenter needs microseconds per frame, so
        // anything queued beyond this means it is stalled, not busy.
        public var highWaterBytes = 1 << 20
        public var lowWaterBytes = 256 << 10
        /// Above the largest RTMP message (8 MiB by default) so one huge frame still fits.
        public var hardCapBytes = 12 << 20
        public init() {}
    }

    private struct State {
        var queuedBytes = 0
        var framesDroppedAtCap: UInt64 = 0
        var drainWaiters: [@Sendable () -> Void] = []
        var finished = false
    }

    public let limits: Limits
    private let queue = DispatchQueue(label: "alived.segmenter")
    // Only touched on `queue`.
    private nonisolated(unsafe) let segmenter: Segmenter
    private let state = Mutex(State())

    public init(segmenter: Segmenter, limits: Limits = Limits()) {
        self.segmenter = segmenter
        self.limits = limits
    }

    /// Hands one input to the segmenter. Returns false when the caller should pause its
    /// source until `whenDrained` calls back.
    @discardableResult
    public func submit(_ input: MediaInput) -> Bool {
        let size = input.byteCount
        let accepted: Bool? = state.withLock { state in
            guard !state.finished else { return nil }
            if size > 0 && state.queuedBytes + size > limits.hardCapBytes {
                state.framesDroppedAtCap += 1
                return nil
            }
            state.queuedBytes += size
            return state.queuedBytes <= limits.highWaterBytes
        }
        guard let accepted else { return false }
        queue.async { [self] in
            segmenter.handle(input)
            let waiters: [@Sendable () -> Void] = state.withLock { state in
                state.queuedBytes -= size
                guard state.queuedBytes <= limits.lowWaterBytes, !state.drainWaiters.isEmpty else { return [] }
                defer { state.drainWaiters.removeAll() }
                return state.drainWaiters
            }
            for waiter in waiters { waiter() }
        }
        return accepted
    }

    /// Calls `resume` once the queue is below the low-water mark (at once if it already is).
    public func whenDrained(_ resume: @escaping @Sendable () -> Void) {
        let now: Bool = state.withLock { state in
            if state.queuedBytes <= limits.lowWaterBytes { return true }
            state.drainWaiters.append(resume)
            return false
        }
        if now { resume() }
    }

    /// Changes the segment length at runtime (from the next cut on).
    public func setTargetDuration(seconds: Int) {
        queue.async { [self] in segmenter.setTargetDuration(seconds: seconds) }
    }

    /// Closes the open segment and stops accepting input. Waits for the queue to drain.
    public func finish() async {
        state.withLock { $0.finished = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { [self] in
                segmenter.finish()
                continuation.resume()
            }
        }
    }

    /// A consistent copy of the segmenter's counters (taken on its queue).
    public func counters() async -> Segmenter.Counters {
        await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: segmenter.counters) }
        }
    }

    public var framesDroppedAtCap: UInt64 { state.withLock { $0.framesDroppedAtCap } }
    public var queuedBytes: Int { state.withLock { $0.queuedBytes } }
}

extension MediaInput {
    /// Bytes this input holds while queued.
    var byteCount: Int {
        switch self {
        case .video(let packet), .audio(let packet): packet.data.readableBytes
        case .videoConfiguration(let buffer), .audioConfiguration(let buffer): buffer.readableBytes
        case .publishStarted, .publishEnded, .metadata: 0
        }
    }
}

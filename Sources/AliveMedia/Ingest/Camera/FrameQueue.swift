import Foundation

/// The fixed-depth hand-off between the capture thread and the encode thread.
///
/// Overflow policy: **drop the newest, counted**. A live camera cannot be paused, so when
/// the encoder falls behind the frame that does not fit is closed at once (its buffer goes
/// back to the driver) and `dropped` counts it; the next frame that is queued carries how
/// many were lost before it. Memory is at most `depth` frames.
final class FrameQueue: Sendable {
    let depth: Int
    // NSCondition: the encode thread sleeps in `pop` until a frame arrives (threads here
    // are plain threads, not tasks, so blocking is what they are for).
    private let condition = NSCondition()
    // nonisolated(unsafe): every access below holds `condition`'s lock.
    private nonisolated(unsafe) var frames: [CapturedPacket] = []
    private nonisolated(unsafe) var closed = false
    private nonisolated(unsafe) var droppedSinceLastPush: UInt64 = 0
    private nonisolated(unsafe) var droppedTotal: UInt64 = 0

    init(depth: Int) {
        precondition(depth > 0)
        self.depth = depth
        frames.reserveCapacity(depth)
    }

    /// Queues `frame`, or closes it and counts a drop when the queue is full or closed.
    /// Returns whether it was queued.
    @discardableResult
    func push(_ frame: CapturedPacket) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, frames.count < depth else {
            droppedSinceLastPush += 1
            droppedTotal += 1
            frame.close()
            return false
        }
        frame.droppedBefore = droppedSinceLastPush
        droppedSinceLastPush = 0
        frames.append(frame)
        condition.signal()
        return true
    }

    /// The oldest frame; nil when closed and empty, or after `timeout` seconds.
    func pop(timeout: Double) -> CapturedPacket? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(timeout)
        while frames.isEmpty && !closed {
            if !condition.wait(until: deadline) { break }
        }
        guard !frames.isEmpty else { return nil }
        return frames.removeFirst()
    }

    /// No more pushes; waiting pops return. Frames still queued are closed.
    func close() {
        condition.lock()
        closed = true
        let left = frames
        frames.removeAll()
        condition.broadcast()
        condition.unlock()
        for frame in left { frame.close() }
    }

    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    var dropped: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return droppedTotal
    }

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return frames.count
    }
}

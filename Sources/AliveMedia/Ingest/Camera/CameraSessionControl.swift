import Synchronization

/// Shared by the threads of one capture session: the first failure, and whether they
/// should stop (a failure anywhere, or the source stopping, ends the whole session).
final class CameraSessionControl: Sendable {
    private struct State {
        var failure: CameraError?
        var stopped = false
        var videoStart: Int64?
    }

    private let state = Mutex(State())
    private let sourceStopped: @Sendable () -> Bool

    init(sourceStopped: @escaping @Sendable () -> Bool) {
        self.sourceStopped = sourceStopped
    }

    /// Records `error` (the first one wins) and stops the session.
    func fail(_ error: any Error) {
        let cameraError = error as? CameraError ?? CameraError.encodeFailed("\(error)")
        state.withLock { state in
            if state.failure == nil && !state.stopped { state.failure = cameraError }
            state.stopped = true
        }
    }

    /// The first video keyframe's time: audio from before it would sit before the start of
    /// the first segment (negative timestamps in the muxer), so it is not handed on.
    func videoStarted(at milliseconds: Int64) {
        state.withLock { state in
            if state.videoStart == nil { state.videoStart = milliseconds }
        }
    }

    func isBeforeVideo(_ milliseconds: Int64) -> Bool {
        state.withLock { state in state.videoStart.map { milliseconds < $0 } ?? true }
    }

    func stop() { state.withLock { $0.stopped = true } }

    var shouldStop: Bool { state.withLock { $0.stopped } || sourceStopped() }
    var failure: CameraError? { state.withLock { $0.failure } }
}

/// The publisher's phase as a state machine that returns actions: idle → starting →
/// running → stopping → stopped, or failed; a stop (and the end of the stream) can be
/// asked for in any phase and is kept beside it. It performs nothing itself: `Publisher`
/// carries the actions out and mirrors the phase into its status.
struct PublisherLifecycle: Sendable, Equatable {
    typealias Phase = PublisherStatus.Phase

    /// A stop asked for: flush until `deadline`, and end the stream when `endStream`.
    struct StopRequest: Sendable, Equatable {
        var deadline: ContinuousClock.Instant
        /// `endStream()` / `requestEnd()`: end the stream at this stop whatever `endOnStop` says.
        var endStream: Bool
    }

    enum Action: Sendable, Equatable {
        /// Run the publisher's parts.
        case start
        /// `run()` was called before: a publisher runs once.
        case refuseSecondRun
        /// Wake the loops waiting for work so they see the stop (or the end added to it).
        case wake
        /// Nothing changed.
        case none
    }

    private(set) var phase: Phase = .idle
    private(set) var stopRequest: StopRequest?

    var isStopRequested: Bool { stopRequest != nil }

    /// `run()` was called.
    mutating func run() -> Action {
        guard phase == .idle else { return .refuseSecondRun }
        phase = .starting
        return .start
    }

    /// Key check, seq cross-check and recovery are done (or there was nothing to start).
    mutating func started() {
        if phase == .starting { phase = .running }
    }

    /// The loops saw the stop: what is not on-chain is flushed now.
    mutating func flushing() {
        if phase == .starting || phase == .running { phase = .stopping }
    }

    /// `run()` returned (`failed`: it threw something other than a cancellation).
    mutating func finished(failed: Bool) {
        if phase != .idle { phase = failed ? .failed : .stopped }
    }

    /// A stop asked for (shutdown, `requestStop()`, `requestEnd()`, `endStream()`): the
    /// first one sets the deadline, a later one can only add the end of the stream.
    mutating func requestStop(deadline: ContinuousClock.Instant, endStream: Bool) -> Action {
        guard var request = stopRequest else {
            stopRequest = StopRequest(deadline: deadline, endStream: endStream)
            return .wake
        }
        guard endStream, !request.endStream else { return .none }
        request.endStream = true
        stopRequest = request
        return .wake
    }
}

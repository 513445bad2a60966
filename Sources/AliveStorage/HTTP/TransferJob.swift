import Synchronization

/// A request on its way through the transfer loop. Whoever takes it out of the loop's
/// bookkeeping resumes its continuation, exactly once.
final class TransferJob: Sendable {
    let request: HTTPRequest
    private let state = Mutex<State>(State())

    private struct State {
        var cancelled = false
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
    }

    init(request: HTTPRequest) {
        self.request = request
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func markCancelled() { state.withLock { $0.cancelled = true } }

    func attach(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    func resume(with result: Result<HTTPResponse, any Error>) {
        let continuation = state.withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}

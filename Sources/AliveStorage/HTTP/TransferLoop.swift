import CCurl
import Dispatch
import Foundation
import Synchronization

/// The thread that owns the curl multi handle and every easy handle. Other threads
/// only touch the shared `State` under its mutex and wake the thread with
/// `curl_multi_wakeup`.
final class TransferLoop: Sendable {
    private struct State {
        var waiting: [TransferJob] = []
        var running = 0
        var cancelRequests: [TransferJob] = []
        var shuttingDown = false
    }

    private let configuration: HTTPClient.Configuration
    /// The CURLM handle. Only the transfer thread calls curl on it, except
    /// `curl_multi_wakeup`, which libcurl documents as callable from any thread.
    private let multi: MultiHandle
    private let state = Mutex<State>(State())
    private let exited = DispatchSemaphore(value: 0)
    private let stopped = Mutex<Bool>(false)

    init(configuration: HTTPClient.Configuration) throws(StorageError) {
        _ = curlGlobalInit
        guard let multi = curl_multi_init() else { throw StorageError(.invalidRequest, "curl_multi_init failed") }
        self.configuration = configuration
        self.multi = MultiHandle(pointer: multi)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConcurrentTransfers)
        let thread = Thread { [self] in run() }
        thread.name = "alived.http"
        thread.start()
    }

    var load: (waiting: Int, running: Int) {
        state.withLock { ($0.waiting.count, $0.running) }
    }

    func enqueue(_ job: TransferJob, continuation: CheckedContinuation<HTTPResponse, any Error>) {
        job.attach(continuation)
        enum Admission { case queued, rejected(StorageError), cancelled, evicted(TransferJob) }
        let admission: Admission = state.withLock { state in
            if state.shuttingDown { return .rejected(StorageError(.shutDown, "HTTP client is shut down")) }
            if job.isCancelled { return .cancelled }
            let freeSlots = max(0, configuration.maxConcurrentTransfers - state.running)
            if state.waiting.count >= configuration.maxWaitingRequests + freeSlots {
                switch configuration.overflowPolicy {
                case .rejectNewest:
                    return .rejected(StorageError(.overloaded, "\(state.waiting.count) requests already waiting"))
                case .failOldest:
                    guard !state.waiting.isEmpty else {
                        return .rejected(StorageError(.overloaded, "no waiting request to drop"))
                    }
                    let oldest = state.waiting.removeFirst()
                    state.waiting.append(job)
                    return .evicted(oldest)
                }
            }
            state.waiting.append(job)
            return .queued
        }
        switch admission {
        case .queued:
            wake()
        case .rejected(let error):
            job.resume(with: .failure(error))
        case .cancelled:
            job.resume(with: .failure(CancellationError()))
        case .evicted(let oldest):
            oldest.resume(with: .failure(StorageError(.overloaded, "dropped from the wait queue by a newer request")))
            wake()
        }
    }

    func cancel(_ job: TransferJob) {
        job.markCancelled()
        let wasWaiting = state.withLock { state in
            if let index = state.waiting.firstIndex(where: { $0 === job }) {
                state.waiting.remove(at: index)
                return true
            }
            state.cancelRequests.append(job)
            return false
        }
        if wasWaiting {
            job.resume(with: .failure(CancellationError()))
        } else {
            wake()
        }
    }

    func shutdown() {
        let alreadyStopped = stopped.withLock { stopped in
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        let waiting = state.withLock { state in
            state.shuttingDown = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for job in waiting { job.resume(with: .failure(StorageError(.shutDown, "HTTP client is shut down"))) }
        wake()
        exited.wait()
    }

    private func wake() {
        _ = curl_multi_wakeup(multi.pointer)
    }

    // MARK: Transfer thread

    private func run() {
        var running: [UnsafeMutableRawPointer: (job: TransferJob, transfer: CurlTransfer)] = [:]
        while true {
            let (toStart, toCancel, shuttingDown) = state.withLock { state in
                var toStart: [TransferJob] = []
                while !state.shuttingDown, state.running < configuration.maxConcurrentTransfers, !state.waiting.isEmpty {
                    toStart.append(state.waiting.removeFirst())
                    state.running += 1
                }
                defer { state.cancelRequests.removeAll() }
                return (toStart, state.cancelRequests, state.shuttingDown)
            }

            // Started before cancellations are handled: a job cancelled while it moved
            // from the queue to `toStart` is then found in `running`.
            for job in toStart {
                do {
                    let transfer = try CurlTransfer(request: job.request, defaults: configuration)
                    running[transfer.easy] = (job, transfer)
                    _ = curl_multi_add_handle(multi.pointer, transfer.easy)
                } catch {
                    state.withLock { $0.running -= 1 }
                    job.resume(with: .failure(error))
                }
            }
            for job in toCancel {
                // Not running any more: it finished (and was resumed) already.
                guard let entry = running.first(where: { $0.value.job === job }) else { continue }
                remove(entry.key, from: &running)
                job.resume(with: .failure(CancellationError()))
            }
            if shuttingDown {
                for easy in Array(running.keys) {
                    let job = running[easy]!.job
                    remove(easy, from: &running)
                    job.resume(with: .failure(StorageError(.shutDown, "HTTP client is shut down")))
                }
                break
            }

            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi.pointer, &stillRunning)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi.pointer, &queued) {
                guard ccurl_message_is_done(message) != 0, let easy = ccurl_message_easy(message),
                      let entry = running[easy] else { continue }
                let result = entry.transfer.finish(result: ccurl_message_result(message))
                remove(easy, from: &running)
                entry.job.resume(with: result.mapError { $0 as any Error })
            }
            _ = curl_multi_poll(multi.pointer, nil, 0, 1000, nil)
        }
        curl_multi_cleanup(multi.pointer)
        exited.signal()
    }

    private func remove(_ easy: UnsafeMutableRawPointer, from running: inout [UnsafeMutableRawPointer: (job: TransferJob, transfer: CurlTransfer)]) {
        guard let entry = running.removeValue(forKey: easy) else { return }
        _ = curl_multi_remove_handle(multi.pointer, easy)
        entry.transfer.close()
        state.withLock { $0.running -= 1 }
    }
}

/// The CURLM pointer. Sendable because only the transfer thread uses it, except for
/// `curl_multi_wakeup`, which is thread-safe by libcurl's documentation.
private struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// libcurl's global initialisation, once per process, before the first handle.
private let curlGlobalInit: Void = {
    _ = ccurl_global_init()
}()

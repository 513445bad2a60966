import Logging

/// The box's one outbound HTTP client, over libcurl.
///
/// All transfers run on one dedicated thread driving a curl multi handle (never on a
/// NIO event loop, never blocking the Swift concurrency pool). At most
/// `maxConcurrentTransfers` run at once; further requests wait in a FIFO bounded by
/// `maxWaitingRequests`, and `overflowPolicy` says who fails when it is full.
/// Cancelling the calling task aborts its transfer at once. Connections are kept and
/// reused between requests to the same host. TLS is verified against the system CAs.
///
/// Call `shutdown()` when done; dropping the client shuts it down too.
public final class HTTPClient: Sendable {
    public enum OverflowPolicy: String, Sendable {
        /// The request that finds the queue full fails with `.overloaded`.
        case rejectNewest
        /// The longest-waiting request fails with `.overloaded` and the new one queues.
        case failOldest
    }

    public struct Configuration: Sendable {
        public var maxConcurrentTransfers: Int = 4
        public var maxWaitingRequests: Int = 64
        public var overflowPolicy: OverflowPolicy = .rejectNewest
        public var connectTimeout: Duration = .seconds(10)
        public var totalTimeout: Duration = .seconds(120)
        /// Largest answer body accepted unless a request says otherwise.
        public var maxResponseBytes: Int = 8 * 1024 * 1024
        /// A PEM bundle to trust instead of the system's CA store (nil: system CAs).
        public var caBundlePath: String? = nil

        public init() {}
    }

    public let configuration: Configuration
    private let loop: TransferLoop
    private let logger: Logger

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "alived.http")) throws(StorageError) {
        guard configuration.maxConcurrentTransfers > 0, configuration.maxWaitingRequests >= 0,
              configuration.maxResponseBytes >= 0,
              configuration.connectTimeout > .zero, configuration.totalTimeout > .zero else {
            throw StorageError(.invalidRequest, "HTTP client limits must be positive")
        }
        self.configuration = configuration
        self.logger = logger
        loop = try TransferLoop(configuration: configuration)
    }

    /// Sends `request` and returns the complete answer, whatever its status.
    /// Throws `StorageError` for transport failures, `CancellationError` when the
    /// calling task is cancelled (the transfer is aborted).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try request.validate()
        try Task.checkCancellation()
        let job = TransferJob(request: request)
        let started = ContinuousClock.now
        do {
            let response = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    loop.enqueue(job, continuation: continuation)
                }
            } onCancel: {
                loop.cancel(job)
            }
            logger.debug("http request done", metadata: [
                "http.method": "\(request.method.rawValue)", "http.url": "\(request.redactedURL)",
                "http.status": "\(response.status)", "http.elapsed": "\(ContinuousClock.now - started)",
            ])
            return response
        } catch {
            logger.debug("http request failed", metadata: [
                "http.method": "\(request.method.rawValue)", "http.url": "\(request.redactedURL)",
                "http.error": "\(error)",
            ])
            throw error
        }
    }

    /// A client dropped without `shutdown()` still stops its thread.
    deinit { loop.shutdown() }

    /// Fails waiting and running requests with `.shutDown` and stops the transfer
    /// thread, waiting for it to exit. Idempotent.
    public func shutdown() {
        loop.shutdown()
    }

    /// Requests waiting for a transfer slot, and transfers running (for status pages).
    public var load: (waiting: Int, running: Int) { loop.load }
}

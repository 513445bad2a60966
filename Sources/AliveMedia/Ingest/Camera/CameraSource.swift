import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The local camera ingest: captures from a V4L2 device (or a lavfi test pattern) through
/// libavdevice and feeds the segmenter pipeline exactly what an RTMP publish would.
///
/// A service: `run()` starts the camera thread and returns after graceful shutdown, once
/// the thread has ended its session (the segmenter gets `publishEnded`). All libav work is
/// on the camera's own threads, never on a task or an event loop. A device that is
/// missing, busy or lost is retried every `retrySeconds`; the error is logged and kept in
/// `status`; a resumed capture is a new publish, so the segmenter marks the join.
public final class CameraSource: Service, Sendable {
    public let configuration: CameraConfiguration
    private let pipeline: SegmenterPipeline
    private let coordinator: IngestCoordinator
    private let logger: Logger
    private let monitor: CameraMonitor
    private let stopped = Atomic<Bool>(false)

    private struct Lifecycle {
        var started = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let lifecycle = Mutex(Lifecycle())

    public init(configuration: CameraConfiguration, pipeline: SegmenterPipeline, coordinator: IngestCoordinator, logger: Logger) {
        self.configuration = configuration
        self.pipeline = pipeline
        self.coordinator = coordinator
        self.logger = logger
        monitor = CameraMonitor(CameraStatus(configuration: configuration))
    }

    public var status: CameraStatus { monitor.current }

    public func run() async throws {
        start()
        await withTaskCancellationHandler {
            try? await gracefulShutdown()
        } onCancel: {
            self.stop()
        }
        await stopAndWait()
    }

    /// Starts the camera thread (once).
    public func start() {
        let first = lifecycle.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        CameraThread.start("alived-camera") { [self] in
            loop()
            let waiters = lifecycle.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.finished = true
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Asks the camera thread to end its session.
    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// Stops and waits until the session has ended and the devices are closed.
    public func stopAndWait() async {
        stop()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lifecycle.withLock { state -> Bool in
                if state.finished || !state.started { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// The camera thread: sessions until shutdown, a pause between failed ones.
    private func loop() {
        var lastLogged: String?
        while !isStopped {
            let session = CameraSession(configuration: configuration, pipeline: pipeline, coordinator: coordinator,
                                        monitor: monitor, logger: logger, sourceStopped: { [self] in isStopped })
            let sessionsBefore = monitor.current.sessions
            do {
                try session.run()
            } catch {
                // A capture that ran and then failed is news again, even with the same message.
                if monitor.current.sessions != sessionsBefore { lastLogged = nil }
                let message = "\(error)"
                MediaMetrics.cameraErrors.increment()
                monitor.update { status in
                    status.state = .retrying
                    status.lastError = message
                    status.lastErrorAt = Date()
                }
                coordinator.recordError(message)
                let metadata: Logger.Metadata = ["camera.device": "\(configuration.device)", "error": "\(message)",
                                                 "camera.retry_seconds": "\(configuration.retrySeconds)"]
                if message == lastLogged {
                    logger.info("camera still unavailable, retrying", metadata: metadata)
                } else {
                    logger.error("camera failed, retrying", metadata: metadata)
                    lastLogged = message
                }
            }
            guard !isStopped else { break }
            monitor.update { $0.state = .retrying }
            let resumeAt = Date().addingTimeInterval(Double(configuration.retrySeconds))
            while !isStopped && Date() < resumeAt { usleep(50_000) }
        }
        monitor.update { $0.state = .stopped }
        logger.info("camera stopped", metadata: ["camera.device": "\(configuration.device)"])
    }
}

import Logging

/// Uploads closed segments in order of age, retrying with back-off, and reports each
/// as stored or as a gap.
///
/// Segments queue in sequence order (bounded by `maxPendingSegments`; when full the
/// oldest waiting segment becomes a gap: policy `dropOldestAsGap`). The oldest one is
/// uploaded first and retried until it is stored or the ring lets it go (its `lease()`
/// answers nil): a segment is never retried forever. Its bytes are leased only during an
/// attempt, so between attempts the ring may evict it for newer media; told so
/// (`segmentLeftTheRing`), the stage stops waiting at once and goes on with the next one
/// instead of sleeping out the back-off while the ring loses more. Each upload's speed is measured
/// against the segment's duration and a warning raised (log + status flag) when it is
/// slower than `minimumRealTimeFactor` × real time.
public actor StorageStage {
    private let uploader: StorageUploader
    private let configuration: StorageConfiguration
    private let onEvent: @Sendable (StorageEvent) async -> Void
    private let logger: Logger
    private var queue: [any StorableSegment] = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var state = StorageStatus()
    private var random = SystemRandomNumberGenerator()
    /// The back-off before the next attempt at a failed segment; cancelled when that
    /// segment leaves the ring.
    private var retryWait: (sequence: UInt64, timer: Task<Void, Never>)?

    /// `onEvent` is awaited for each event, in sequence order, before the next upload:
    /// a slow consumer slows the stage down rather than losing events.
    public init(uploader: StorageUploader, logger: Logger = Logger(label: "alived.storage"),
                onEvent: @escaping @Sendable (StorageEvent) async -> Void) {
        self.uploader = uploader
        configuration = uploader.configuration
        self.logger = logger
        self.onEvent = onEvent
    }

    /// `pending` counts the segments waiting behind the one being uploaded.
    public var status: StorageStatus {
        var status = state
        status.pending = queue.count
        return status
    }

    /// Queues a closed segment. Returns the segment dropped as a gap when the queue was
    /// full (it is also reported through `onEvent`), nil otherwise.
    @discardableResult
    public func submit(_ segment: any StorableSegment) async -> UInt64? {
        let index = queue.firstIndex { $0.sequence > segment.sequence } ?? queue.endIndex
        queue.insert(segment, at: index)
        var dropped: UInt64?
        if queue.count > configuration.maxPendingSegments {
            let oldest = queue.removeFirst()
            dropped = oldest.sequence
            await reportGap(oldest, reason: "storage queue full")
        }
        waiter?.resume()
        waiter = nil
        return dropped
    }

    /// Runs until the calling task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            guard !queue.isEmpty else {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        if Task.isCancelled || !queue.isEmpty {
                            continuation.resume()
                        } else {
                            waiter = continuation
                        }
                    }
                } onCancel: {
                    Task { await self.wakeWaiter() }
                }
                continue
            }
            // Out of the queue while in flight, so a full queue never drops it as a gap.
            let segment = queue.removeFirst()
            guard await store(segment) else {
                queue.insert(segment, at: 0)
                return
            }
        }
    }

    /// The ring dropped segment `sequence` (it evicted it for newer media). If the stage is
    /// waiting to retry that segment it stops waiting: the next attempt finds no lease and
    /// reports the gap, and the segments behind it get their turn while the ring still
    /// holds them. Segments waiting in the queue are found gone when their turn comes (a
    /// gap reported now would come before the in-flight segment's outcome, out of order).
    public func segmentLeftTheRing(_ sequence: UInt64) {
        guard let wait = retryWait, wait.sequence == sequence else { return }
        wait.timer.cancel()
    }

    private func wakeWaiter() {
        waiter?.resume()
        waiter = nil
    }

    /// Stores `segment` or reports it as a gap; false when cancelled.
    private func store(_ segment: any StorableSegment) async -> Bool {
        var attempt = 0
        while true {
            attempt += 1
            let stored: StoredObject?
            do {
                stored = try await upload(segment)
            } catch is CancellationError {
                return false
            } catch {
                state.failedAttempts += 1
                StorageMetrics.failedAttempts.increment()
                let delay = configuration.retry.delay(forAttempt: attempt, using: &random)
                logger.warning("segment upload failed, will retry", metadata: [
                    "segment.sequence": "\(segment.sequence)", "storage.attempt": "\(attempt)",
                    "storage.retry_in": "\(delay)", "storage.error": "\(error)",
                ])
                guard await waitBeforeRetry(segment.sequence, delay) else { return false }
                continue
            }
            guard let stored else {
                await reportGap(segment, reason: "segment left the ring before it was stored")
                return true
            }
            await reportStored(segment, stored, attempts: attempt)
            return true
        }
    }

    /// One attempt; nil when the segment is no longer in the ring. The lease ends when
    /// this returns, so the ring may evict the segment while the stage waits to retry.
    private func upload(_ segment: any StorableSegment) async throws -> StoredObject? {
        guard let bytes = segment.lease() else { return nil }
        return try await uploader.store(StorageObject(kind: .segment, name: segment.name, bytes: bytes, ringSequence: segment.sequence))
    }

    /// Sleeps `delay`, or less when the segment leaves the ring meanwhile. False when the
    /// stage itself is cancelled.
    private func waitBeforeRetry(_ sequence: UInt64, _ delay: Duration) async -> Bool {
        let timer = Task<Void, Never> { try? await Task.sleep(for: delay) }
        retryWait = (sequence, timer)
        await withTaskCancellationHandler {
            await timer.value
        } onCancel: {
            timer.cancel()
        }
        retryWait = nil
        return !Task.isCancelled
    }

    private func reportStored(_ segment: any StorableSegment, _ object: StoredObject, attempts: Int) async {
        let seconds = max(object.uploadTime.seconds, 1e-9)
        let factor = segment.duration / seconds
        state.stored += 1
        StorageMetrics.segmentsStored.increment()
        StorageMetrics.bytesStored.increment(by: object.byteCount)
        state.lastRealTimeFactor = factor
        state.isSlowerThanRealTime = factor < configuration.minimumRealTimeFactor
        if state.isSlowerThanRealTime {
            state.slowUploads += 1
            StorageMetrics.slowUploads.increment()
            logger.warning("upload slower than real time", metadata: [
                "segment.sequence": "\(segment.sequence)", "segment.duration": "\(segment.duration)",
                "storage.upload_seconds": "\(seconds)", "storage.real_time_factor": "\(factor)",
            ])
        }
        logger.info("segment stored", metadata: [
            "segment.sequence": "\(segment.sequence)", "storage.hash": "\(object.hash)",
            "storage.endpoint": "\(object.endpoint)", "storage.real_time_factor": "\(factor)",
        ])
        await onEvent(.stored(StoredSegment(sequence: segment.sequence, duration: segment.duration,
                                            discontinuity: segment.discontinuity, object: object,
                                            realTimeFactor: factor, attempts: attempts)))
    }

    private func reportGap(_ segment: any StorableSegment, reason: String) async {
        state.gaps += 1
        StorageMetrics.segmentsLost.increment()
        logger.error("segment lost before it was stored", metadata: [
            "segment.sequence": "\(segment.sequence)", "segment.duration": "\(segment.duration)",
            "storage.reason": "\(reason)",
        ])
        await onEvent(.gap(sequence: segment.sequence, duration: segment.duration))
    }
}

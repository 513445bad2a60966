import Logging
import ServiceLifecycle
import Synchronization

/// Subscriber that writes one log line per segment event and measures how long the
/// event took to reach a subscriber (segment close → delivery), the latency every later
/// stage starts from. On shutdown it logs p50/p99/max of what it saw.
///
/// It takes events through the ring's synchronous handler (it only stamps the delay and
/// enqueues) and writes the log lines from its own task, so a slow log sink never holds
/// up the segmenter. Hand-off overflow policy: drop the oldest line (bounded, 256).
public final class SegmentEventLog: Service, Sendable {
    private let events: AsyncStream<(SegmentEvent, Duration)>
    private let continuation: AsyncStream<(SegmentEvent, Duration)>.Continuation
    private let token: Int
    private let ring: SegmentRing
    private let logger: Logger
    private let latencies = LatencyRecorder()

    /// Subscribes at once, so no event between construction and `run()` is missed.
    public init(ring: SegmentRing, logger: Logger) {
        self.ring = ring
        self.logger = logger
        let (events, continuation) = AsyncStream.makeStream(of: (SegmentEvent, Duration).self, bufferingPolicy: .bufferingNewest(256))
        self.events = events
        self.continuation = continuation
        let latencies = latencies
        token = ring.subscribe { event in
            var delay = Duration.zero
            if case .closed(_, let closedAt) = event {
                delay = ContinuousClock.now - closedAt
                latencies.record(delay)
            }
            continuation.yield((event, delay))
        }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await (event, delay) in events {
                switch event {
                case .closed(let segment, _):
                    logger.info("segment closed", metadata: [
                        "segment.sequence": "\(segment.sequence)",
                        "segment.duration": "\(LivePlaylist.formatSeconds(segment.durationMilliseconds))",
                        "segment.bytes": "\(segment.byteCount)",
                        "segment.discontinuity": "\(segment.discontinuity)",
                        "segment.event_delay_us": "\(delay.microseconds)",
                    ])
                case .dropped(let sequence, let reason):
                    logger.warning("segment dropped from the ring", metadata: ["segment.sequence": "\(sequence)", "segment.reason": "\(reason.rawValue)"])
                }
            }
        } onGracefulShutdown: { [ring, token, continuation] in
            // Runs after the segmenter (started later, stopped earlier) closed its last segment.
            ring.unsubscribe(token)
            continuation.finish()
            ring.finishSubscribers()
        }
        if let summary = latencies.summary {
            logger.info("segment event delivery latency", metadata: [
                "latency.count": "\(summary.count)", "latency.p50_us": "\(summary.p50)",
                "latency.p99_us": "\(summary.p99)", "latency.max_us": "\(summary.max)",
            ])
        }
    }
}

/// A reservoir shared between the ring's handler (records) and the log task (summary).
final class LatencyRecorder: Sendable {
    private let reservoir = Mutex(LatencyReservoir(capacity: 4096))

    func record(_ duration: Duration) { reservoir.withLock { $0.record(duration) } }

    var summary: (count: Int, p50: Int64, p99: Int64, max: Int64)? { reservoir.withLock { $0.summary } }
}

/// The last `capacity` latencies, for percentiles without unbounded growth.
struct LatencyReservoir {
    private var samples: [Int64] = []
    private var next = 0
    private var total = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func record(_ duration: Duration) {
        let microseconds = duration.microseconds
        if samples.count < capacity { samples.append(microseconds) } else { samples[next] = microseconds }
        next = (next + 1) % capacity
        total += 1
    }

    var summary: (count: Int, p50: Int64, p99: Int64, max: Int64)? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)] }
        return (total, percentile(0.5), percentile(0.99), sorted.last!)
    }
}

extension Duration {
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}

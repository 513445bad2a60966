import Logging
import ServiceLifecycle

/// Subscriber that writes one log line per segment event and measures how long the
/// event took to reach a subscriber (segment close → delivery), the latency every later
/// stage starts from. On shutdown it logs p50/p99/max of what it saw.
public final class SegmentEventLog: Service, Sendable {
    private let events: AsyncStream<SegmentEvent>
    private let ring: SegmentRing
    private let logger: Logger

    /// Subscribes at once, so no event between construction and `run()` is missed.
    public init(ring: SegmentRing, logger: Logger) {
        self.ring = ring
        self.events = ring.subscribe()
        self.logger = logger
    }

    public func run() async throws {
        var latencies = LatencyReservoir(capacity: 4096)
        await withGracefulShutdownHandler {
            for await event in events {
                switch event {
                case .closed(let segment, let closedAt):
                    let delay = ContinuousClock.now - closedAt
                    latencies.record(delay)
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
        } onGracefulShutdown: { [ring] in
            // Runs after the segmenter (started earlier) closed its last segment.
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

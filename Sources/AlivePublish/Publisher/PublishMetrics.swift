import Metrics

/// The publisher's counters (swift-metrics; the executable bootstraps Prometheus). They
/// move with `PublisherStatus`: `Publisher.update` counts what each change added, so the
/// scrape and the status page never disagree.
enum PublishMetrics {
    static let segmentsReceived = Counter(label: "alived_publish_segments_total", dimensions: [("outcome", "received")])
    static let segmentsRefused = Counter(label: "alived_publish_segments_total", dimensions: [("outcome", "refused")])
    static let gaps = Counter(label: "alived_publish_segments_total", dimensions: [("outcome", "gap")])
    static let journalFailures = Counter(label: "alived_publish_journal_failures_total")
    static let discontinuities = Counter(label: "alived_publish_discontinuities_total")
    static let aliveDBPushed = Counter(label: "alived_alivedb_pushes_total", dimensions: [("outcome", "pushed")])
    static let aliveDBFailed = Counter(label: "alived_alivedb_pushes_total", dimensions: [("outcome", "failed")])
    static let aliveDBDropped = Counter(label: "alived_alivedb_pushes_total", dimensions: [("outcome", "dropped")])
    static let pushesConfirmed = Counter(label: "alived_ledger_pushes_total", dimensions: [("outcome", "confirmed")])
    static let pushesResigned = Counter(label: "alived_ledger_pushes_total", dimensions: [("outcome", "resigned")])

    static var all: [Counter] {
        [segmentsReceived, segmentsRefused, gaps, journalFailures, discontinuities, aliveDBPushed, aliveDBFailed, aliveDBDropped,
         pushesConfirmed, pushesResigned]
    }

    /// Adds to each counter what the status gained from `before` to `after`.
    static func record(from before: PublisherStatus, to after: PublisherStatus) {
        let pairs: [(Counter, Int, Int)] = [
            (segmentsReceived, before.segmentsReceived, after.segmentsReceived),
            (segmentsRefused, before.segmentsRefused, after.segmentsRefused),
            (gaps, before.gaps, after.gaps),
            (journalFailures, before.journalFailures, after.journalFailures),
            (discontinuities, before.discontinuities, after.discontinuities),
            (aliveDBPushed, before.aliveDBPushed, after.aliveDBPushed),
            (aliveDBFailed, before.aliveDBFailed, after.aliveDBFailed),
            (aliveDBDropped, before.aliveDBDropped, after.aliveDBDropped),
            (pushesConfirmed, before.pushesConfirmed, after.pushesConfirmed),
            (pushesResigned, before.resigned, after.resigned),
        ]
        for (counter, old, new) in pairs where new > old { counter.increment(by: new - old) }
    }
}

extension Publisher {
    /// Creates the publishing counters now (after `MetricsSystem.bootstrap`), so a scrape
    /// lists them at zero before the first segment.
    public static func registerMetrics() {
        _ = PublishMetrics.all
    }
}

import Metrics

/// The storage stage's counters (swift-metrics; the executable bootstraps Prometheus).
/// Labels come from small fixed sets, never an endpoint URL or a hash.
enum StorageMetrics {
    static let segmentsStored = Counter(label: "alived_storage_segments_total", dimensions: [("outcome", "stored")])
    static let segmentsLost = Counter(label: "alived_storage_segments_total", dimensions: [("outcome", "gap")])
    static let bytesStored = Counter(label: "alived_storage_bytes_total")
    static let failedAttempts = Counter(label: "alived_storage_upload_failures_total")
    static let slowUploads = Counter(label: "alived_storage_slow_uploads_total")

    static var all: [Counter] { [segmentsStored, segmentsLost, bytesStored, failedAttempts, slowUploads] }
}

extension StorageStage {
    /// Creates the storage counters now (after `MetricsSystem.bootstrap`), so a scrape lists
    /// them at zero before the first upload.
    public static func registerMetrics() {
        _ = StorageMetrics.all
    }
}

import Metrics

/// The media path's counters (swift-metrics; the executable bootstraps Prometheus).
/// Names are stable and labels come from small fixed sets, never a key or a peer.
enum MediaMetrics {
    static let rtmpBytesReceived = Counter(label: "alived_rtmp_bytes_received_total")
    static let rtmpConnectionsOpened = Counter(label: "alived_rtmp_connections_total")
    static let publishesAccepted = Counter(label: "alived_rtmp_publishes_total", dimensions: [("outcome", "accepted")])
    static let publishesRefused = Counter(label: "alived_rtmp_publishes_total", dimensions: [("outcome", "refused")])
    static let connectionsDropped = Counter(label: "alived_rtmp_connections_dropped_total")
    static let connectionsRefused = Counter(label: "alived_rtmp_connections_refused_total")
    /// Strangers closed to make room when every slot was taken.
    static let connectionsEvicted = Counter(label: "alived_rtmp_connections_evicted_total")
    static let videoFrames = Counter(label: "alived_segmenter_frames_total", dimensions: [("track", "video")])
    static let audioFrames = Counter(label: "alived_segmenter_frames_total", dimensions: [("track", "audio")])
    static let framesDropped = Counter(label: "alived_segmenter_frames_dropped_total")
    static let segmentsClosed = Counter(label: "alived_segments_closed_total")
    static let segmentBytes = Counter(label: "alived_segment_bytes_total")
    static let segmentsDropped = Counter(label: "alived_segments_dropped_total")
    static let segmentsRefused = Counter(label: "alived_segments_refused_total")
    static let cameraFrames = Counter(label: "alived_camera_frames_total", dimensions: [("outcome", "encoded")])
    static let cameraFramesDropped = Counter(label: "alived_camera_frames_total", dimensions: [("outcome", "dropped")])
    static let cameraErrors = Counter(label: "alived_camera_errors_total")

    static var all: [Counter] {
        [rtmpBytesReceived, rtmpConnectionsOpened, publishesAccepted, publishesRefused, connectionsDropped, connectionsRefused, connectionsEvicted,
         videoFrames, audioFrames, framesDropped, segmentsClosed, segmentBytes, segmentsDropped, segmentsRefused,
         cameraFrames, cameraFramesDropped, cameraErrors]
    }
}

extension AliveMedia {
    /// Creates the media counters now (after `MetricsSystem.bootstrap`), so a scrape lists
    /// them at zero before the first stream instead of leaving them out.
    public static func registerMetrics() {
        _ = MediaMetrics.all
    }
}

import AliveMedia
import NIOCore

/// One line on how the box is doing, for systemd's `STATUS=` (shown by `systemctl status`).
/// Producing it is the watchdog's proof of life: it waits on every event loop, on the
/// segmenter's serial queue and on the ring's and ingest's locks, so it does not come back
/// while any of them is stuck.
struct BoxProbe: Sendable {
    let ring: SegmentRing
    let coordinator: IngestCoordinator
    let pipeline: SegmenterPipeline
    /// NIO's shared loops (RTMP) and the control plane's own thread.
    let eventLoops: [any EventLoopGroup]

    func statusLine() async -> String {
        for loop in eventLoops.flatMap({ $0.makeIterator() }) {
            // A loop that is shutting down refuses the task; that is not a stall.
            try? await loop.submit {}.get()
        }
        let counters = await pipeline.counters()
        let ring = ring.statistics
        let ingest = coordinator.status
        return Self.line(ingest: ingest, segmenter: counters, ring: ring)
    }

    /// `publishing 1920x1080 avc1/mp4a from 192.0.2.7:50123; 42 segments; ring 12/64 MiB`
    /// (never the stream key: the publisher is shown by address only).
    static func line(ingest: IngestCoordinator.Status, segmenter: Segmenter.Counters, ring: SegmentRing.Statistics) -> String {
        var parts: [String] = []
        switch ingest.state {
        case .publishing:
            var publishing = "publishing"
            if let width = ingest.metadata?.width, let height = ingest.metadata?.height { publishing += " \(width)x\(height)" }
            let codecs = [ingest.videoCodec, ingest.audioCodec].compactMap { $0 }
            if !codecs.isEmpty { publishing += " " + codecs.joined(separator: "/") }
            if let publisher = ingest.publisher { publishing += " from \(publisher)" }
            parts.append(publishing)
        case .idle:
            parts.append("idle, waiting for an encoder")
        }
        parts.append("\(segmenter.segmentsProduced) segments")
        parts.append("ring \(ring.bytesInUse >> 20)/\(ring.budgetBytes >> 20) MiB")
        if ring.segmentsDropped > 0 { parts.append("\(ring.segmentsDropped) dropped") }
        return parts.joined(separator: "; ")
    }
}

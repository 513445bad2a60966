import AliveMedia
import Foundation

/// `GET /api/v1/status`: each stage's own status (every one `Encodable`, embedded as it
/// is), the warnings they add up to, and where the configuration came from.
struct StatusDocument: Encodable {
    /// The ingest's status with the source that feeds it (`rtmp` or `camera`) beside it.
    struct Ingest: Encodable {
        var source: String
        var status: IngestCoordinator.Status

        private enum CodingKeys: String, CodingKey { case source }

        func encode(to encoder: any Encoder) throws {
            try status.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(source, forKey: .source)
        }
    }

    var uptimeSeconds: Int
    var ingest: Ingest
    var segmenter: SegmenterPipeline.Status
    var ring: SegmentRing.Status
    var storage: StorageSummary?
    var publishing: PublishingSummary?
    var thumbnail: ThumbnailService.Status?
    /// The camera source, when it is the ingest.
    var camera: CameraStatus? {
        didSet { if camera != nil { ingest.source = "camera" } }
    }
    var warnings: [String]
    var configuration: Configuration

    /// Where the running configuration came from (`ConfigurationOrigin`), every key always
    /// present: `{"source", "problems": ["path: reason"], "rejected_file": path or null}`.
    struct Configuration: Encodable {
        var origin: ConfigurationOrigin

        enum CodingKeys: String, CodingKey {
            case source, problems, rejectedFile
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(origin.source.rawValue, forKey: .source)
            try container.encode(origin.problems.map(\.description), forKey: .problems)
            // `encodeIfPresent` would leave the key out; the document promises null.
            if let rejected = origin.rejectedFile { try container.encode(rejected, forKey: .rejectedFile) }
            else { try container.encodeNil(forKey: .rejectedFile) }
        }
    }

    init(ring: SegmentRing, coordinator: IngestCoordinator, pipeline: SegmenterPipeline, startedAt: Date,
         configuration origin: ConfigurationOrigin) async {
        let status = coordinator.status
        segmenter = await pipeline.status()
        self.ring = ring.status
        uptimeSeconds = Int(Date().timeIntervalSince(startedAt))
        ingest = Ingest(source: "rtmp", status: status)
        var warnings: [String] = []
        if segmenter.segmentsOverTarget > 0 { warnings.append("segments longer than the target: set the encoder's keyframe interval to divide the segment length") }
        if self.ring.segmentsDropped > 0 { warnings.append("\(self.ring.segmentsDropped) segments dropped from a full ring before every stage was done with them") }
        if self.ring.segmentsRefused > 0 { warnings.append("\(self.ring.segmentsRefused) segments refused: larger than the ring budget") }
        if let error = status.lastError, let at = status.lastErrorAt, Date().timeIntervalSince(at) < 300 { warnings.append(error) }
        self.warnings = warnings
        configuration = Configuration(origin: origin)
    }
}

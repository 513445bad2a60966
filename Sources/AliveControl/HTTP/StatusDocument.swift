import AliveMedia
import Foundation

/// `GET /api/v1/status`: what the ingest, segmenter and ring are doing now.
struct StatusDocument: Encodable {
    struct Ingest: Encodable {
        /// `rtmp` or `camera`.
        var source: String
        var state: String
        var publisher: String?
        var publishingSince: Date?
        var videoCodec: String?
        var audioCodec: String?
        var width: Int?
        var height: Int?
        var framesPerSecond: Double?
        var encoder: String?
        var bytesReceived: UInt64
        var bitrateInKbps: Double
        var publishesAccepted: UInt64
        var publishesRefused: UInt64
        var connectionsRejected: UInt64
        var lastError: String?
        var lastErrorAt: Date?
    }

    struct Segmenter: Encodable {
        var videoFrames: UInt64
        var audioFrames: UInt64
        var framesDropped: UInt64
        var segmentsProduced: UInt64
        var segmentsOverTarget: UInt64
        var muxerErrors: UInt64
        var queuedBytes: Int
    }

    struct Ring: Encodable {
        var budgetBytes: Int
        var bytesInUse: Int
        var peakBytesInUse: Int
        var segments: Int
        var segmentsClosed: UInt64
        var segmentsDropped: UInt64
        var segmentsRefused: UInt64
        var eventsDropped: UInt64
        var nextSequence: UInt64
        var lastSegment: LastSegment?
    }

    struct LastSegment: Encodable {
        var sequence: UInt64
        var durationSeconds: Double
        var bytes: Int
    }

    var uptimeSeconds: Int
    var ingest: Ingest
    var segmenter: Segmenter
    var ring: Ring
    var storage: StorageSummary?
    var publishing: PublishingSummary?
    var thumbnail: Thumbnail?
    /// The camera source, when it is the ingest.
    var camera: Camera? {
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

    struct Camera: Encodable {
        var state: String
        var inputFormat: String
        var device: String
        var audioDevice: String?
        /// The H.264 encoder in use: `libx264`, `h264_v4l2m2m` or `passthrough`.
        var encoder: String?
        /// Encoders passed over and why (`h264_v4l2m2m: …`).
        var encoderNote: String?
        var captureFormat: String?
        var width: Int?
        var height: Int?
        var framesPerSecond: Int
        var framesCaptured: UInt64
        var framesEncoded: UInt64
        var framesDropped: UInt64
        var audioFrames: UInt64
        var sessions: UInt64
        var retrySeconds: Int
        var lastError: String?
        var lastErrorAt: Date?

        init(_ status: CameraStatus) {
            state = status.state.rawValue
            inputFormat = status.inputFormat
            device = status.device
            audioDevice = status.audioDevice
            encoder = status.encoder
            encoderNote = status.encoderNote
            captureFormat = status.captureFormat
            width = status.width
            height = status.height
            framesPerSecond = status.framesPerSecond
            framesCaptured = status.framesCaptured
            framesEncoded = status.framesEncoded
            framesDropped = status.framesDropped
            audioFrames = status.audioFrames
            sessions = status.sessions
            retrySeconds = status.retrySeconds
            lastError = status.lastError
            lastErrorAt = status.lastErrorAt
        }
    }

    struct Thumbnail: Encodable {
        var made: UInt64
        var failures: UInt64
        var lastError: String?
        var width: Int?
        var height: Int?
    }

    init(ring: SegmentRing, coordinator: IngestCoordinator, pipeline: SegmenterPipeline, startedAt: Date,
         configuration origin: ConfigurationOrigin) async {
        let status = coordinator.status
        let counters = await pipeline.counters()
        let statistics = ring.statistics
        let last = ring.playlistSegments().last
        uptimeSeconds = Int(Date().timeIntervalSince(startedAt))
        ingest = Ingest(
            source: "rtmp", state: status.state.rawValue, publisher: status.publisher, publishingSince: status.publishingSince,
            videoCodec: status.videoCodec, audioCodec: status.audioCodec,
            width: status.metadata?.width, height: status.metadata?.height, framesPerSecond: status.metadata?.framesPerSecond,
            encoder: status.metadata?.encoder, bytesReceived: status.bytesReceived, bitrateInKbps: status.bitrateInKilobitsPerSecond,
            publishesAccepted: status.publishesAccepted, publishesRefused: status.publishesRefused,
            connectionsRejected: status.connectionsRejected, lastError: status.lastError, lastErrorAt: status.lastErrorAt
        )
        segmenter = Segmenter(
            videoFrames: counters.videoFrames, audioFrames: counters.audioFrames, framesDropped: counters.framesDropped + pipeline.framesDroppedAtCap,
            segmentsProduced: counters.segmentsProduced, segmentsOverTarget: counters.segmentsOverTarget,
            muxerErrors: counters.muxerErrors, queuedBytes: pipeline.queuedBytes
        )
        self.ring = Ring(
            budgetBytes: statistics.budgetBytes, bytesInUse: statistics.bytesInUse, peakBytesInUse: statistics.peakBytesInUse,
            segments: statistics.segmentCount, segmentsClosed: statistics.segmentsClosed, segmentsDropped: statistics.segmentsDropped,
            segmentsRefused: statistics.segmentsRefused, eventsDropped: statistics.eventsDropped, nextSequence: ring.nextSequence,
            lastSegment: last.map { LastSegment(sequence: $0.sequence, durationSeconds: $0.durationSeconds, bytes: $0.byteCount) }
        )
        var warnings: [String] = []
        if counters.segmentsOverTarget > 0 { warnings.append("segments longer than the target: set the encoder's keyframe interval to divide the segment length") }
        if statistics.segmentsDropped > 0 { warnings.append("\(statistics.segmentsDropped) segments dropped from a full ring before every stage was done with them") }
        if statistics.segmentsRefused > 0 { warnings.append("\(statistics.segmentsRefused) segments refused: larger than the ring budget") }
        if let error = status.lastError, let at = status.lastErrorAt, Date().timeIntervalSince(at) < 300 { warnings.append(error) }
        self.warnings = warnings
        configuration = Configuration(origin: origin)
    }
}

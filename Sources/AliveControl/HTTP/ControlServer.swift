import AliveMedia
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The box's HTTP side: health, the local HLS preview served from the ring, and status.
/// It reads the media path's state; it never sits in it.
public struct ControlServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var segmentSeconds: Int

        public init(host: String, port: Int, segmentSeconds: Int) {
            self.host = host
            self.port = port
            self.segmentSeconds = segmentSeconds
        }
    }

    let configuration: Configuration
    let ring: SegmentRing
    let coordinator: IngestCoordinator
    let pipeline: SegmenterPipeline
    let thumbnails: ThumbnailService?
    let startedAt = Date()

    public init(configuration: Configuration, ring: SegmentRing, coordinator: IngestCoordinator, pipeline: SegmenterPipeline,
                thumbnails: ThumbnailService? = nil) {
        self.configuration = configuration
        self.ring = ring
        self.coordinator = coordinator
        self.pipeline = pipeline
        self.thumbnails = thumbnails
    }

    /// The Hummingbird application (a service for the box's `ServiceGroup`).
    /// `onRunning` receives the bound port (tests bind port 0).
    public func application(logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "alived"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("hls/live.m3u8") { _, _ in
            let playlist = LivePlaylist.render(segments: ring.playlistSegments(), targetDurationSeconds: configuration.segmentSeconds)
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-cache", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(string: playlist))
            )
        }
        router.get("hls/:segment") { _, context in
            guard let name = context.parameters.get("segment"), let sequence = Self.sequence(fromSegmentName: name) else {
                throw HTTPError(.notFound, message: "No such segment")
            }
            guard let lease = ring.lease(sequence) else {
                throw HTTPError(.notFound, message: "Segment \(sequence) is no longer (or not yet) in the ring")
            }
            // Copied out so the ring page is free again as soon as the bytes are in the response.
            var body = ByteBuffer()
            lease.write(into: &body)
            return Response(
                status: .ok,
                headers: [.contentType: "video/mp2t", .cacheControl: "max-age=3600", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: body)
            )
        }
        router.get("api/v1/status") { _, _ in
            let document = await StatusDocument(ring: ring, coordinator: coordinator, pipeline: pipeline, startedAt: startedAt)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(document))))
        }
        router.get("api/v1/thumbnail.jpg") { _, _ in
            guard let thumbnail = thumbnails?.latestThumbnail() else {
                throw HTTPError(.notFound, message: "No thumbnail yet: it appears once a video keyframe has arrived")
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: thumbnail.jpeg))
        }
        return router
    }

    /// `123.ts` → 123; anything else → nil.
    static func sequence(fromSegmentName name: String) -> UInt64? {
        guard name.hasSuffix(".ts") else { return nil }
        let digits = name.dropLast(3)
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return UInt64(digits)
    }
}

import AliveMedia
import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The box's HTTP side: the status page, the versioned API, metrics, health and the local
/// HLS preview served from the ring. It reads the media path's state and changes the
/// configuration; it never sits in the media path.
public struct ControlServer: Sendable {
    let ring: SegmentRing
    let coordinator: IngestCoordinator
    let pipeline: SegmenterPipeline
    let store: ConfigurationStore
    let secrets: SecretsStore
    let authority: SessionAuthority
    let logs: RecentLogBuffer
    let metrics: PrometheusCollectorRegistry?
    let storage: (@Sendable () async -> StorageSummary)?
    let thumbnails: ThumbnailService?
    /// Set when the box ingests from a local camera (`ingest.source = "camera"`).
    let camera: CameraSource?
    let publishing: (@Sendable () -> PublishingSummary)?
    let streamControl: StreamControl?
    /// Warnings known at start that stay until the next start (first-boot settings refused).
    let notices: [String]
    /// `storage.backend = "box"`: what the box stored on itself, by CID, for `/ipfs/<cid>`.
    let gateway: (@Sendable (String) -> GatewayContent?)?
    /// Ledger keys the secrets API takes (posting, Avalon, AliveDB); nil: only the stream key.
    let keyInspector: LedgerKeyInspector?
    let startedAt = Date()

    public init(ring: SegmentRing, coordinator: IngestCoordinator, pipeline: SegmenterPipeline, store: ConfigurationStore,
                secrets: SecretsStore, authority: SessionAuthority, logs: RecentLogBuffer, metrics: PrometheusCollectorRegistry?,
                storage: (@Sendable () async -> StorageSummary)? = nil,
                thumbnails: ThumbnailService? = nil, camera: CameraSource? = nil,
                publishing: (@Sendable () -> PublishingSummary)? = nil, streamControl: StreamControl? = nil,
                notices: [String] = [], gateway: (@Sendable (String) -> GatewayContent?)? = nil,
                keyInspector: LedgerKeyInspector? = nil) {
        self.ring = ring
        self.coordinator = coordinator
        self.pipeline = pipeline
        self.store = store
        self.secrets = secrets
        self.authority = authority
        self.logs = logs
        self.metrics = metrics
        self.storage = storage
        self.thumbnails = thumbnails
        self.camera = camera
        self.publishing = publishing
        self.streamControl = streamControl
        self.notices = notices
        self.gateway = gateway
        self.keyInspector = keyInspector
    }

    /// The Hummingbird application (a service for the box's `ServiceGroup`), bound to the
    /// configured address. `onRunning` receives the bound port (tests bind port 0).
    /// `eventLoopGroup`: the control plane's own thread (`ControlPlaneThread`) in the box;
    /// tests may leave NIO's shared loops.
    public func application(logger: Logger, eventLoopGroup: (any EventLoopGroup)? = nil,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let http = store.current.http
        return Application(
            router: router(),
            // Slow or stalled clients are closed after the idle time-out.
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(http.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(http.listen, port: http.port), serverName: "alived"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: eventLoopGroup.map { .shared($0) } ?? .singleton,
            logger: logger
        )
    }

    func router() -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        // First, so no route of the page or the API can be reached under a foreign name.
        router.add(middleware: HostCheckMiddleware(allowedHosts: { [store] in store.current.http.allowedHosts }))
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                                            .contentSecurityPolicy: StatusPage.contentSecurityPolicy],
                     body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
        }
        router.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("hls/live.m3u8") { request, context in
            if !store.current.http.openHLS { _ = try authenticate(request, context, mutating: false) }
            let playlist = LivePlaylist.render(segments: ring.playlistSegments(), targetDurationSeconds: store.current.segments.seconds)
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-cache", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(string: playlist))
            )
        }
        router.get("hls/:segment") { request, context in
            if !store.current.http.openHLS { _ = try authenticate(request, context, mutating: false) }
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
        addGatewayRoute(to: router)
        router.get("api/v1/status") { _, _ in
            var document = await StatusDocument(ring: ring, coordinator: coordinator, pipeline: pipeline, startedAt: startedAt,
                                                configuration: store.origin)
            if let camera { document.camera = camera.status }
            document.thumbnail = thumbnails?.status
            if let storage {
                let summary = await storage()
                document.storage = summary
                if summary.slowerThanRealTime { document.warnings.append("uploads are slower than real time: the ring will fill") }
            }
            document.warnings += notices
            if let publishing {
                let summary = publishing()
                document.publishing = summary
                if let problem = summary.lastProblem { document.warnings.append("publishing: \(problem)") }
            }
            return try JSONResponse.encode(document)
        }
        router.get("api/v1/thumbnail.jpg") { _, _ in
            guard let thumbnail = thumbnails?.latestThumbnail() else {
                throw HTTPError(.notFound, message: "No thumbnail yet: it appears once a video keyframe has arrived")
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: thumbnail.jpeg))
        }
        router.get("metrics") { request, context in
            if !store.current.http.openMetrics { _ = try authenticate(request, context, mutating: false) }
            guard let metrics else { throw HTTPError(.notFound, message: "metrics are not enabled") }
            recordGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        addAuthRoutes(to: router)
        addConfigurationRoutes(to: router)
        addStreamRoutes(to: router)
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

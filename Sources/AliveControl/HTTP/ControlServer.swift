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

    /// Every route, grouped by who may call it: the middleware of a group covers each
    /// route added to it, so a protected route cannot be added without its check.
    func router() -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        // First, so no route of the page or the API can be reached under a foreign name.
        router.add(middleware: HostCheckMiddleware(allowedHosts: { [store] in store.current.http.allowedHosts }))
        let authentication = SessionMiddleware(authority: authority)
        // Open to anyone: the page, health, the status the page shows before login, logging in.
        router.addRoutes(pageRoutes())
        router.addRoutes(healthRoutes())
        router.addRoutes(statusRoutes(), atPath: "api/v1")
        router.addRoutes(loginRoutes(authentication: authentication), atPath: "api/v1")
        // For players, nodes and scrapers: open unless the configuration says otherwise.
        let media = router.group().add(middleware: authentication.unless { [store] in store.current.http.openHLS })
        media.addRoutes(hlsRoutes(), atPath: "hls")
        if let gatewayRoutes = gatewayRoutes() { media.addRoutes(gatewayRoutes, atPath: "ipfs") }
        router.group().add(middleware: authentication.unless { [store] in store.current.http.openMetrics })
            .addRoutes(metricsRoutes())
        // Everything else needs a session, and changes made with the cookie the CSRF token.
        router.group("api/v1").add(middleware: authentication).add(middleware: CSRFMiddleware())
            .addRoutes(sessionRoutes())
            .addRoutes(configurationRoutes())
            .addRoutes(secretsRoutes())
            .addRoutes(streamRoutes(), atPath: "stream")
        return router
    }
}

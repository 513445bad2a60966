import AliveControl
import AliveLedger
import AliveMedia
import AlivePublish
import AliveStorage
import Foundation
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// The whole box wired from one configuration: ingest → segmenter → ring → HLS preview,
/// with the control plane (API, page, metrics) beside it.
struct Box {
    let store: ConfigurationStore
    let secrets: SecretsStore
    let logs: RecentLogBuffer
    let metrics: PrometheusCollectorRegistry?
    let logger: Logger
    let streamKey: String
    /// Set when systemd started the box with `Type=notify`.
    let notifier: SystemdNotifier?

    /// - Parameter streamKeyOverride: from the command line; used for this run, not saved.
    init(store: ConfigurationStore, streamKeyOverride: String?, logs: RecentLogBuffer, metrics: PrometheusCollectorRegistry?, logger: Logger) throws {
        self.store = store
        self.logs = logs
        self.metrics = metrics
        self.logger = logger
        self.notifier = try SystemdNotifier.fromEnvironment()
        let configuration = store.current
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        secrets = try SecretsStore(directory: configuration.dataDirectory)
        if let streamKeyOverride {
            streamKey = streamKeyOverride
        } else {
            let generated = secrets.current.streamKey == nil
            streamKey = try secrets.streamKey()
            if generated { logger.notice("generated a stream key", metadata: ["secrets.file": "\(secrets.path)"]) }
        }
    }

    func run() async throws {
        let configuration = store.current
        let ring = SegmentRing(configuration: .init(
            budgetBytes: configuration.ring.budgetMiB << 20, playlistWindow: configuration.ring.playlistWindow))
        let thumbnails = ThumbnailService(logger: logger)
        let segmenter = Segmenter(configuration: .init(targetDurationSeconds: configuration.segments.seconds), ring: ring, logger: logger,
                                  keyframeTap: thumbnails)
        let pipeline = SegmenterPipeline(segmenter: segmenter)
        let coordinator = IngestCoordinator(app: configuration.ingest.app, streamKey: streamKey)
        let eventLoops = MultiThreadedEventLoopGroup.singleton
        let controlThread = ControlPlaneThread()
        let probe = BoxProbe(ring: ring, coordinator: coordinator, pipeline: pipeline, eventLoops: [eventLoops, controlThread.group])
        let supervisor = SystemdSupervisor(notifier: notifier, logger: logger, probe: probe.statusLine)
        var limits = RTMPLimits.default
        limits.maxMessageLength = configuration.ingest.maxMessageKiB << 10
        limits.maxChunkSize = configuration.ingest.maxChunkSize
        // One ingest source: the RTMP listener, or the local camera (then nothing listens on RTMP).
        let camera: CameraSource? = configuration.ingest.source == .camera
            ? CameraSource(configuration: configuration.cameraConfiguration, pipeline: pipeline, coordinator: coordinator, logger: logger)
            : nil
        let rtmp = RTMPServer(
            configuration: .init(
                host: configuration.ingest.listen, port: configuration.ingest.rtmpPort, limits: limits,
                handshakeTimeout: .seconds(Int64(configuration.ingest.handshakeTimeoutSeconds)),
                idleTimeout: .seconds(Int64(configuration.ingest.idleTimeoutSeconds)),
                publishTimeout: .seconds(Int64(configuration.ingest.publishTimeoutSeconds)),
                admission: .init(maxPerAddress: configuration.ingest.maxConnectionsPerAddress)),
            coordinator: coordinator, pipeline: pipeline, group: eventLoops, logger: logger,
            onListening: { _ in supervisor.listening(.rtmp) })
        // Settings that apply while running; the rest are saved for the next start.
        store.onChange { [logger] next in
            pipeline.setTargetDuration(seconds: next.segments.seconds)
            logger.notice("configuration changed", metadata: ["segment.seconds": "\(next.segments.seconds)"])
        }
        // `storage.backend = "box"`: what the box stores on itself, for its /ipfs/ gateway.
        let onBox = OnBoxContent()
        let uploader = try makeUploader(configuration.storage, onBox: onBox)
        // An encoder publishing, or the camera delivering frames: the open stream is not idle.
        let mediaActive: @Sendable () -> Bool = { [coordinator, camera] in
            coordinator.status.state == .publishing || camera?.status.state == .capturing
        }
        let publishing = try makePublishingFeed(configuration, chunkStorage: uploader, mediaActive: mediaActive)
        // What the last change left, so a change touches only the stages whose table changed
        // (replacing the endpoints for a new segment length would reset their cool-downs).
        let applied = Mutex(configuration)
        store.onChange { [logger] next in
            let previous = applied.withLock { applied in
                defer { applied = next }
                return applied
            }
            // Storage endpoints and the batch interval apply at once; a change of backend
            // kind or of anything else in [publishing] waits for the restart the API asked for.
            if let uploader, next.storage != previous.storage, next.storage.backend == configuration.storage.backend,
               let backend = Self.backend(next.storage, onBox: onBox) {
                do { try uploader.replaceBackend(backend) } catch {
                    logger.error("storage endpoints not applied", metadata: ["storage.error": "\(error)"])
                }
            }
            if let publishing, next.publishing != previous.publishing, let interval = PublishingFeed.batchInterval(in: next) {
                do { try publishing.setBatchInterval(interval) } catch {
                    logger.error("batch interval not applied", metadata: ["publish.error": "\(error)"])
                }
            }
        }
        var publish: (@Sendable (StorageEvent) async -> Void)?
        var publishingSummary: (@Sendable () -> PublishingSummary)?
        if let publishing {
            publish = { event in await publishing.handle(event) }
            publishingSummary = { publishing.summary }
        }
        var storage: StorageFeed?
        var storageSummary: (@Sendable () async -> StorageSummary)?
        if let uploader {
            let feed = StorageFeed(ring: ring, uploader: uploader, backend: configuration.storage.backend.rawValue, logger: logger,
                                   publish: publish)
            storage = feed
            storageSummary = { await feed.summary() }
        }
        let gateway: (@Sendable (String) -> GatewayContent?)? = configuration.storage.backend == .box
            ? { @Sendable cid in onBox.item(for: cid).map { GatewayContent($0) } }
            : nil
        let control = ControlServer(
            ring: ring, coordinator: coordinator, pipeline: pipeline, store: store, secrets: secrets,
            authority: SessionAuthority(secrets: secrets), logs: logs, metrics: metrics, storage: storageSummary,
            thumbnails: thumbnails, camera: camera, publishing: publishingSummary, streamControl: publishing?.streamControl,
            notices: FirstBoot.refusalNotice(dataDirectory: configuration.dataDirectory).map { [$0] } ?? [],
            gateway: gateway,
            keyInspector: .ledgerKeys(hivePrefix: publishing?.configuration.hive.publicKeyPrefix ?? HiveChain.mainnet.publicKeyPrefix))
        let http = control.application(logger: logger, eventLoopGroup: controlThread.group) { [logger] port in
            logger.info("http listening", metadata: ["http.port": "\(port)"])
            supervisor.listening(.http)
        }
        var startMetadata: Logger.Metadata = [
            "alived.version": "\(AliveMedia.version)", "ring.budget_mib": "\(configuration.ring.budgetMiB)",
            "segment.seconds": "\(configuration.segments.seconds)", "data.dir": "\(configuration.dataDirectory)",
            "config.file": "\(store.path)", "ingest.source": "\(configuration.ingest.source.rawValue)",
        ]
        if let camera {
            startMetadata["camera.input"] = "\(camera.configuration.inputFormat.rawValue)"
            startMetadata["camera.device"] = "\(camera.configuration.device)"
            startMetadata["camera.keyframe_interval_frames"] = "\(camera.configuration.keyframeIntervalFrames)"
        } else {
            startMetadata["rtmp.url"] = "rtmp://<this box>:\(configuration.ingest.rtmpPort)/\(configuration.ingest.app)/<stream key>"
        }
        logger.info("alived starting", metadata: startMetadata)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: SegmentEventLog(ring: ring, logger: logger))]
        // Publishing before storage: at shutdown storage drains its last uploads first, then
        // the publisher flushes them on-chain and ends the stream.
        if let publishing { services.append(.init(service: publishing)) }
        if let storage { services.append(.init(service: storage)) }
        services += [.init(service: thumbnails), .init(service: SegmenterService(pipeline: pipeline))]
        if let camera {
            services.append(.init(service: camera))
            supervisor.listening(.rtmp)   // no RTMP listener to wait for: the camera is the ingest
        } else {
            services.append(.init(service: rtmp))
        }
        services.append(.init(service: controlThread.pinning(http)))
        // Last: the first to hear of a shutdown, so systemd sees STOPPING=1 at once.
        services.append(.init(service: supervisor))
        // Start order is the flow; shutdown runs in reverse: HTTP stops, RTMP stops accepting
        // and ends the publish, the segmenter closes its last segment, the thumbnailer frees
        // its decoder, the event log drains.
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await controlThread.shutdown()
            throw error
        }
        await controlThread.shutdown()
        logger.info("alived stopped")
    }

    /// The endpoints of the configured backend; nil for `none`.
    static func backend(_ settings: BoxConfiguration.Storage, onBox: OnBoxContent) -> StorageConfiguration.Backend? {
        switch settings.backend {
        case .none: nil
        case .box: .onBox(onBox)
        case .kubo: .ipfs(settings.endpoints.map { IPFSEndpoint(api: .kuboRPC, url: $0, pin: settings.pin) })
        case .cluster: .ipfs(settings.endpoints.map { IPFSEndpoint(api: .cluster, url: $0, pin: settings.pin) })
        case .skynet: .skynet(settings.endpoints.map { SkynetPortal(url: $0) })
        }
    }

    /// The settings this box applies while running, beyond those every box does.
    static func runtimeSettings(for configuration: BoxConfiguration) -> Set<String> {
        var settings = ConfigurationStore.alwaysAtRuntime
        if ![.none, .box].contains(configuration.storage.backend) { settings.insert("storage.endpoints") }
        if configuration.publishing != nil { settings.insert("publishing.batch_interval_seconds") }
        return settings
    }

    /// The uploader for the configured backend; nil for `none` (segments stay in the ring).
    private func makeUploader(_ settings: BoxConfiguration.Storage, onBox: OnBoxContent) throws -> StorageUploader? {
        guard let backend = Self.backend(settings, onBox: onBox) else { return nil }
        var storage = StorageConfiguration(backend: backend)
        storage.cidVersion = settings.cidVersion == 1 ? .v1 : .v0
        storage.uploadTimeout = .seconds(settings.uploadTimeoutSeconds)
        let uploader = try StorageUploader(configuration: storage, client: try HTTPClient(logger: logger), logger: logger)
        logger.info("storage enabled", metadata: ["storage.backend": "\(settings.backend.rawValue)", "storage.endpoints": "\(settings.endpoints.count)"])
        return uploader
    }

    /// Publishing for the `[publishing]` table; nil without one. Only stored segments are
    /// published, so a table without a storage backend is refused (nothing would go out).
    private func makePublishingFeed(_ configuration: BoxConfiguration, chunkStorage: StorageUploader?,
                                    mediaActive: @escaping @Sendable () -> Bool) throws -> PublishingFeed? {
        guard configuration.publishing != nil else { return nil }
        guard let chunkStorage else {
            throw PublishError(.configuration, BoxConfiguration.publishingNeedsStorage)
        }
        return try PublishingFeed(configurationText: configuration.renderTOML(), dataDirectory: configuration.dataDirectory,
                                  chunkStorage: chunkStorage, logger: logger, mediaActive: mediaActive)
    }
}

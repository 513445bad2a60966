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
import UnixSignals

/// The whole box wired from one configuration: ingest → segmenter → ring → storage →
/// publishing, with the control plane (API, page, metrics) beside it. `init` builds every
/// stage from its own part of the configuration (`BoxConfiguration+Stages`), `run()` runs
/// them as one service group in the flow's order and closes what they opened, and saved
/// configuration changes reach only the stages whose settings changed (`BoxReloader`).
/// The command line (`alived run`) only loads the configuration and runs this.
public final class Box: Service, Sendable {
    /// The ports the listeners bound (a configuration may ask for port 0).
    public struct Ports: Sendable, Equatable {
        public var rtmp: Int?
        public var http: Int?
    }

    public let store: ConfigurationStore
    let secrets: SecretsStore
    let logger: Logger
    let ring: SegmentRing
    let pipeline: SegmenterPipeline
    let coordinator: IngestCoordinator
    let thumbnails: ThumbnailService
    /// `ingest.source = "camera"`: the local camera, and nothing listens on RTMP.
    let camera: CameraSource?
    let rtmp: RTMPServer
    /// `storage.backend = "box"`: what the box stores on itself, for its /ipfs/ gateway.
    let onBox = OnBoxContent()
    /// nil for `storage.backend = "none"` (segments stay in the ring).
    let uploader: StorageUploader?
    private let uploadClient: HTTPClient?
    let storage: StorageFeed?
    /// nil without a `[publishing]` table.
    let publishing: PublishingFeed?
    /// Holds what the box was started with.
    let reloader: BoxReloader
    var started: BoxConfiguration { reloader.started }
    private let control: ControlServer
    private let controlThread: ControlPlaneThread
    private let supervisor: SystemdSupervisor
    private let gracefulShutdownSignals: [UnixSignal]
    private let boundPorts = BoundPorts()

    /// - Parameters:
    ///   - streamKeyOverride: from the command line; used for this run, not saved.
    ///   - notices: warnings known at start that stay on the page until the next start
    ///     (first-boot settings refused).
    ///   - notifier: systemd's notification socket, when systemd started the box (`Type=notify`).
    ///   - gracefulShutdownSignals: what stops the box gracefully (SIGTERM, SIGINT for `alived
    ///     run`; none in-process, where the caller's service group does).
    public init(store: ConfigurationStore, streamKeyOverride: String? = nil, logs: RecentLogBuffer,
                metrics: PrometheusCollectorRegistry?, logger: Logger, notices: [String] = [], notifier: SystemdNotifier? = nil,
                gracefulShutdownSignals: [UnixSignal] = []) throws {
        let configuration = store.current
        self.store = store
        self.logger = logger
        self.gracefulShutdownSignals = gracefulShutdownSignals
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let secrets = try SecretsStore(directory: configuration.dataDirectory)
        self.secrets = secrets
        let streamKey: String
        if let streamKeyOverride {
            streamKey = streamKeyOverride
        } else {
            let generated = secrets.current.streamKey == nil
            streamKey = try secrets.streamKey()
            if generated { logger.notice("generated a stream key", metadata: ["secrets.file": "\(secrets.path)"]) }
        }

        // ingest → segment → ring
        let ring = SegmentRing(configuration: configuration.ringConfiguration)
        let thumbnails = ThumbnailService(logger: logger)
        let pipeline = SegmenterPipeline(segmenter: Segmenter(configuration: configuration.segmenterConfiguration, ring: ring,
                                                              logger: logger, keyframeTap: thumbnails))
        let coordinator = IngestCoordinator(app: configuration.ingest.app, streamKey: streamKey)
        let camera: CameraSource? = configuration.ingest.source == .camera
            ? CameraSource(configuration: configuration.cameraConfiguration, pipeline: pipeline, coordinator: coordinator, logger: logger)
            : nil
        (self.ring, self.thumbnails, self.pipeline, self.coordinator, self.camera) = (ring, thumbnails, pipeline, coordinator, camera)

        // ring → store → publish: the parts that open files and threads, closed again if a later one fails.
        let storageConfiguration = configuration.storageConfiguration(onBox: onBox)
        let uploadClient = try storageConfiguration.map { _ in try HTTPClient(logger: logger) }
        let uploader: StorageUploader?
        let publishing: PublishingFeed?
        do {
            if let storageConfiguration, let uploadClient {
                uploader = try StorageUploader(configuration: storageConfiguration, client: uploadClient, logger: logger)
            } else {
                uploader = nil
            }
            if uploader != nil {
                logger.info("storage enabled", metadata: [
                    "storage.backend": "\(configuration.storage.backend.rawValue)", "storage.endpoints": "\(configuration.storage.endpoints.count)",
                ])
            }
            // An encoder publishing, or the camera delivering frames: the open stream is not idle.
            let mediaActive: @Sendable () -> Bool = { [coordinator, camera] in
                coordinator.status.state == .publishing || camera?.status.state == .capturing
            }
            publishing = try Self.makePublishing(configuration, chunkStorage: uploader, logger: logger, mediaActive: mediaActive)
        } catch {
            uploadClient?.shutdown()
            throw error
        }
        (self.uploadClient, self.uploader, self.publishing) = (uploadClient, uploader, publishing)
        var publish: (@Sendable (StorageEvent) async -> Void)?
        if let publishing { publish = { event in await publishing.handle(event) } }
        storage = uploader.map { uploader in
            StorageFeed(ring: ring, uploader: uploader, backend: configuration.storage.backend.rawValue, logger: logger, publish: publish)
        }

        // control, beside the flow
        let controlThread = ControlPlaneThread()
        self.controlThread = controlThread
        let probe = BoxProbe(ring: ring, coordinator: coordinator, pipeline: pipeline,
                             eventLoops: [MultiThreadedEventLoopGroup.singleton, controlThread.group])
        let supervisor = SystemdSupervisor(notifier: notifier, logger: logger, probe: probe.statusLine)
        self.supervisor = supervisor
        let boundPorts = self.boundPorts
        rtmp = RTMPServer(configuration: configuration.rtmpConfiguration, coordinator: coordinator, pipeline: pipeline,
                          group: MultiThreadedEventLoopGroup.singleton, logger: logger,
                          onListening: { address in
                              boundPorts.value.withLock { $0.rtmp = address.port }
                              supervisor.listening(.rtmp)
                          })
        var storageSummary: (@Sendable () async -> StorageSummary)?
        if let storage = self.storage { storageSummary = { await storage.summary() } }
        var publishingSummary: (@Sendable () -> PublishingSummary)?
        if let publishing { publishingSummary = { publishing.summary } }
        var gateway: (@Sendable (String) -> GatewayContent?)?
        if configuration.storage.backend == .box {
            gateway = { [onBox] cid in onBox.item(for: cid).map { GatewayContent($0) } }
        }
        control = ControlServer(
            ring: ring, coordinator: coordinator, pipeline: pipeline, store: store, secrets: secrets,
            authority: SessionAuthority(secrets: secrets), logs: logs, metrics: metrics, storage: storageSummary,
            thumbnails: thumbnails, camera: camera, publishing: publishingSummary,
            streamControl: publishing?.streamControl,
            notices: notices,
            gateway: gateway,
            keyInspector: .ledgerKeys(hivePrefix: publishing?.configuration.hive.publicKeyPrefix ?? HiveChain.mainnet.publicKeyPrefix))

        reloader = BoxReloader(started: configuration)
        store.onChange { [weak self] next in self?.reconfigure(to: next) }
    }

    /// The settings a box started with `configuration` applies while running (for its
    /// `ConfigurationStore`); every other change waits for a restart.
    public static func liveSettings(for configuration: BoxConfiguration) -> Set<String> {
        BoxReloader.liveSettings(for: configuration)
    }

    /// The ports bound so far (nil until that listener runs).
    public var ports: Ports { boundPorts.value.withLock { $0 } }

    /// Runs every stage until graceful shutdown (a signal of `gracefulShutdownSignals`, or
    /// the service group this box runs in), then closes what the stages opened.
    public func run() async throws {
        let group = ServiceGroup(configuration: .init(services: services(), gracefulShutdownSignals: gracefulShutdownSignals,
                                                      logger: logger))
        logStart()
        do {
            try await withGracefulShutdownHandler {
                try await group.run()
            } onGracefulShutdown: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch {
            await close()
            throw error
        }
        await close()
        logger.info("alived stopped")
    }

    /// Start order is the flow; shutdown runs in reverse: HTTP stops, RTMP stops accepting
    /// and ends the publish, the segmenter closes its last segment, the thumbnailer frees
    /// its decoder, storage drains its last uploads, the publisher flushes them on-chain and
    /// ends the stream, the event log drains.
    private func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: SegmentEventLog(ring: ring, logger: logger))]
        if let publishing { services.append(.init(service: publishing)) }
        if let storage { services.append(.init(service: storage)) }
        services += [.init(service: thumbnails), .init(service: SegmenterService(pipeline: pipeline))]
        if let camera {
            services.append(.init(service: camera))
            supervisor.listening(.rtmp)   // no RTMP listener to wait for: the camera is the ingest
        } else {
            services.append(.init(service: rtmp))
        }
        let (logger, supervisor, boundPorts) = (logger, supervisor, boundPorts)
        let http = control.application(logger: logger, eventLoopGroup: controlThread.group) { port in
            boundPorts.value.withLock { $0.http = port }
            logger.info("http listening", metadata: ["http.port": "\(port)"])
            supervisor.listening(.http)
        }
        services.append(.init(service: controlThread.pinning(http)))
        // Last: the first to hear of a shutdown, so systemd sees STOPPING=1 at once.
        services.append(.init(service: supervisor))
        return services
    }

    private func close() async {
        await controlThread.shutdown()
        uploadClient?.shutdown()
    }

    /// A saved configuration change, handed to the stages it concerns.
    private func reconfigure(to next: BoxConfiguration) {
        let plan = reloader.change(to: next)
        if let seconds = plan.segmentSeconds {
            pipeline.setTargetDuration(seconds: seconds)
            logger.notice("configuration changed", metadata: ["segment.seconds": "\(seconds)"])
        }
        if let settings = plan.storage, let uploader, let backend = settings.stageBackend(onBox: onBox) {
            do {
                try uploader.replaceBackend(backend)
                logger.notice("configuration changed", metadata: ["storage.endpoints": "\(settings.endpoints.count)"])
            } catch {
                logger.error("storage endpoints not applied", metadata: ["storage.error": "\(error)"])
            }
        }
        if let interval = plan.batchInterval, let publishing {
            do {
                try publishing.setBatchInterval(interval)
                logger.notice("configuration changed", metadata: ["publishing.batch_interval": "\(interval)"])
            } catch {
                logger.error("batch interval not applied", metadata: ["publish.error": "\(error)"])
            }
        }
    }

    private func logStart() {
        var metadata: Logger.Metadata = [
            "alived.version": "\(AliveMedia.version)", "ring.budget_mib": "\(started.ring.budgetMiB)",
            "segment.seconds": "\(started.segments.seconds)", "data.dir": "\(started.dataDirectory)",
            "config.file": "\(store.path)", "ingest.source": "\(started.ingest.source.rawValue)",
        ]
        if let camera {
            metadata["camera.input"] = "\(camera.configuration.inputFormat.rawValue)"
            metadata["camera.device"] = "\(camera.configuration.device)"
            metadata["camera.keyframe_interval_frames"] = "\(camera.configuration.keyframeIntervalFrames)"
        } else {
            metadata["rtmp.url"] = "rtmp://<this box>:\(started.ingest.rtmpPort)/\(started.ingest.app)/<stream key>"
        }
        logger.info("alived starting", metadata: metadata)
    }

    /// Publishing for the `[publishing]` table; nil without one. Only stored segments are
    /// published, so a table without a storage backend is refused (nothing would go out).
    private static func makePublishing(_ configuration: BoxConfiguration, chunkStorage: StorageUploader?, logger: Logger,
                                       mediaActive: @escaping @Sendable () -> Bool) throws -> PublishingFeed? {
        guard let publishing = try configuration.publishingConfiguration() else { return nil }
        guard let chunkStorage else { throw PublishError(.configuration, BoxConfiguration.publishingNeedsStorage) }
        return try PublishingFeed(configuration: publishing, dataDirectory: configuration.dataDirectory,
                                  chunkStorage: chunkStorage, logger: logger, mediaActive: mediaActive)
    }
}

/// The listeners' ports, filled in as they bind (shared with their callbacks).
private final class BoundPorts: Sendable {
    let value = Mutex(Box.Ports())
}

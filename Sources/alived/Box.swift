import AliveControl
import AliveMedia
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The whole box wired from one configuration: ingest → segmenter → ring → HLS preview.
struct Box {
    let configuration: BoxConfiguration
    let logger: Logger
    let streamKey: String
    /// Set when systemd started the box with `Type=notify`.
    let notifier: SystemdNotifier?

    init(configuration: BoxConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.notifier = try SystemdNotifier.fromEnvironment()
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        self.streamKey = try StreamKeyStore(directory: configuration.dataDirectory).resolve(configured: configuration.ingest.streamKey, logger: logger)
    }

    func run() async throws {
        let ring = SegmentRing(configuration: .init(
            budgetBytes: configuration.ring.budgetMiB << 20, playlistWindow: configuration.ring.playlistWindow))
        let segmenter = Segmenter(configuration: .init(targetDurationSeconds: configuration.segments.seconds), ring: ring, logger: logger)
        let pipeline = SegmenterPipeline(segmenter: segmenter)
        let coordinator = IngestCoordinator(app: configuration.ingest.app, streamKey: streamKey)
        let eventLoops = MultiThreadedEventLoopGroup.singleton
        let probe = BoxProbe(ring: ring, coordinator: coordinator, pipeline: pipeline, eventLoops: eventLoops)
        let supervisor = SystemdSupervisor(notifier: notifier, logger: logger, probe: probe.statusLine)
        var limits = RTMPLimits.default
        limits.maxMessageLength = configuration.ingest.maxMessageKiB << 10
        limits.maxChunkSize = configuration.ingest.maxChunkSize
        let rtmp = RTMPServer(
            configuration: .init(
                host: configuration.ingest.listen, port: configuration.ingest.rtmpPort, limits: limits,
                handshakeTimeout: .seconds(Int64(configuration.ingest.handshakeTimeoutSeconds)),
                idleTimeout: .seconds(Int64(configuration.ingest.idleTimeoutSeconds))),
            coordinator: coordinator, pipeline: pipeline, group: eventLoops, logger: logger,
            onListening: { _ in supervisor.listening(.rtmp) })
        let control = ControlServer(
            configuration: .init(host: configuration.http.listen, port: configuration.http.port, segmentSeconds: configuration.segments.seconds),
            ring: ring, coordinator: coordinator, pipeline: pipeline)
        let http = control.application(logger: logger) { [logger] port in
            logger.info("http listening", metadata: ["http.port": "\(port)"])
            supervisor.listening(.http)
        }
        logger.info("alived starting", metadata: [
            "alived.version": "\(AliveMedia.version)", "ring.budget_mib": "\(configuration.ring.budgetMiB)",
            "segment.seconds": "\(configuration.segments.seconds)", "data.dir": "\(configuration.dataDirectory)",
            "rtmp.url": "rtmp://<this box>:\(configuration.ingest.rtmpPort)/\(configuration.ingest.app)/<stream key>",
        ])

        // Start order is the flow; shutdown runs in reverse: HTTP stops, RTMP stops accepting
        // and ends the publish, the segmenter closes its last segment, the event log drains.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: SegmentEventLog(ring: ring, logger: logger)),
                .init(service: SegmenterService(pipeline: pipeline)),
                .init(service: rtmp),
                .init(service: http),
                // Last: the first to hear of a shutdown, so systemd sees STOPPING=1 at once.
                .init(service: supervisor),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("alived stopped")
    }
}

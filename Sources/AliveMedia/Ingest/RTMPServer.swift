import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The RTMP listener: accepts encoders and hands their media to the segmenter pipeline.
/// A service: `run()` listens until graceful shutdown, then stops accepting and closes
/// every connection (a running publish ends, so the segmenter closes its segment).
public final class RTMPServer: Service, Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var limits: RTMPLimits
        public var handshakeTimeout: TimeAmount
        /// A connection that sends nothing for this long is closed (stalled or dead peers).
        public var idleTimeout: TimeAmount
        /// From the end of the handshake to an accepted publish (again after an unpublish).
        public var publishTimeout: TimeAmount
        /// Connection slots, the per-address cap and the strangers' memory budget.
        public var admission: RTMPAdmission.Limits

        public init(host: String = "0.0.0.0", port: Int = 1935, limits: RTMPLimits = .default,
                    handshakeTimeout: TimeAmount = .seconds(5), idleTimeout: TimeAmount = .seconds(15),
                    publishTimeout: TimeAmount = .seconds(10), admission: RTMPAdmission.Limits = .init()) {
            self.host = host
            self.port = port
            self.limits = limits
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.publishTimeout = publishTimeout
            self.admission = admission
        }

        public var maxConnections: Int { admission.maxConnections }
    }

    private struct State {
        var listener: Channel?
        var stopped = false
    }

    public let configuration: Configuration
    private let coordinator: IngestCoordinator
    private let pipeline: SegmenterPipeline
    private let group: EventLoopGroup
    private let logger: Logger
    /// Called by `run()` once the listener is bound (the box reports readiness to systemd).
    private let onListening: @Sendable (SocketAddress) -> Void
    private let state = Mutex(State())
    public let admission: RTMPAdmission

    public init(configuration: Configuration, coordinator: IngestCoordinator, pipeline: SegmenterPipeline,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
                onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.configuration = configuration
        self.coordinator = coordinator
        self.pipeline = pipeline
        self.group = group
        self.logger = logger
        self.onListening = onListening
        self.admission = RTMPAdmission(limits: configuration.admission)
    }

    /// Binds the listener; returns the bound address (port 0 picks a free port).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let handlerConfiguration = RTMPConnectionHandler.Configuration(
            limits: configuration.limits, handshakeTimeout: configuration.handshakeTimeout,
            publishTimeout: configuration.publishTimeout, session: .init())
        let idleTimeout = configuration.idleTimeout
        let coordinator = coordinator, pipeline = pipeline, logger = logger, admission = admission
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 16)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            // tcpOption: socketOption(.tcp_nodelay) would set SOL_SOCKET option 1 (SO_DEBUG), refused without CAP_NET_ADMIN.
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [weak self] channel in
                guard let self, self.admit(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: idleTimeout),
                        RTMPConnectionHandler(configuration: handlerConfiguration, coordinator: coordinator, pipeline: pipeline,
                                              admission: admission, logger: logger),
                    ])
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let stopped = state.withLock { state in
            state.listener = listener
            return state.stopped
        }
        if stopped { try? await listener.close() }
        let address = listener.localAddress!
        logger.info("rtmp listening", metadata: ["rtmp.address": "\(address)", "rtmp.app": "\(coordinator.app)"])
        return address
    }

    private func admit(_ channel: Channel) -> Bool {
        guard !state.withLock({ $0.stopped }) else { return false }
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        switch admission.admit(channel, address: address) {
        case .refused(let reason):
            logger.warning("rtmp connection refused", metadata: ["rtmp.peer": "\(address)", "rtmp.reason": "\(reason)"])
            MediaMetrics.connectionsRefused.increment()
            coordinator.recordError("rtmp connection from \(address) refused: \(reason)", connectionRejected: true)
            return false
        case .admitted(let evicted):
            let id = ObjectIdentifier(channel)
            channel.closeFuture.whenComplete { [admission] _ in admission.remove(id) }
            if let evicted {
                MediaMetrics.connectionsEvicted.increment()
                // The evicted handler logs and closes; closing again after it is harmless and
                // covers a connection evicted before its handler was added.
                evicted.eventLoop.execute {
                    evicted.pipeline.fireUserInboundEventTriggered(RTMPAdmission.Evicted())
                    evicted.close(promise: nil)
                }
            }
            return true
        }
    }

    /// Stops accepting and closes every connection.
    public func stop() async {
        let listener = state.withLock { state in
            state.stopped = true
            return state.listener
        }
        try? await listener?.close()
        for connection in admission.channels { try? await connection.close() }
    }

    public var connectionCount: Int { admission.connectionCount }

    public func run() async throws {
        onListening(try await start())
        try await gracefulShutdown()
        logger.info("rtmp stopping")
        await stop()
    }
}

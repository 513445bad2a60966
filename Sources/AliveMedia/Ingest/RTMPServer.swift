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
        /// Connections at once (publishers and refused attempts): more are closed on accept.
        public var maxConnections: Int

        public init(host: String = "0.0.0.0", port: Int = 1935, limits: RTMPLimits = .default,
                    handshakeTimeout: TimeAmount = .seconds(5), idleTimeout: TimeAmount = .seconds(15), maxConnections: Int = 16) {
            self.host = host
            self.port = port
            self.limits = limits
            self.handshakeTimeout = handshakeTimeout
            self.idleTimeout = idleTimeout
            self.maxConnections = maxConnections
        }
    }

    private struct State {
        var listener: Channel?
        var connections: [ObjectIdentifier: Channel] = [:]
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

    public init(configuration: Configuration, coordinator: IngestCoordinator, pipeline: SegmenterPipeline,
                group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
                onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.configuration = configuration
        self.coordinator = coordinator
        self.pipeline = pipeline
        self.group = group
        self.logger = logger
        self.onListening = onListening
    }

    /// Binds the listener; returns the bound address (port 0 picks a free port).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let handlerConfiguration = RTMPConnectionHandler.Configuration(
            limits: configuration.limits, handshakeTimeout: configuration.handshakeTimeout, session: .init())
        let idleTimeout = configuration.idleTimeout
        let coordinator = coordinator, pipeline = pipeline, logger = logger
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
                        RTMPConnectionHandler(configuration: handlerConfiguration, coordinator: coordinator, pipeline: pipeline, logger: logger),
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
        let id = ObjectIdentifier(channel)
        let admitted = state.withLock { state in
            guard !state.stopped, state.connections.count < configuration.maxConnections else { return false }
            state.connections[id] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { [weak self] _ in
                _ = self?.state.withLock { $0.connections.removeValue(forKey: id) }
            }
        } else {
            coordinator.recordError("rtmp connection refused: too many connections", connectionRejected: true)
        }
        return admitted
    }

    /// Stops accepting and closes every connection.
    public func stop() async {
        let (listener, connections) = state.withLock { state in
            state.stopped = true
            return (state.listener, Array(state.connections.values))
        }
        try? await listener?.close()
        for connection in connections { try? await connection.close() }
    }

    public var connectionCount: Int { state.withLock { $0.connections.count } }

    public func run() async throws {
        onListening(try await start())
        try await gracefulShutdown()
        logger.info("rtmp stopping")
        await stop()
    }
}

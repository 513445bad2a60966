import AliveTestSupport
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import AliveMedia

/// The media path in-process (RTMP server → pipeline → segmenter → ring) on a free port.
final class IngestHarness: @unchecked Sendable {
    // @unchecked: used from one test at a time.
    let ring: SegmentRing
    let segmenter: Segmenter
    let pipeline: SegmenterPipeline
    let coordinator: IngestCoordinator
    let server: RTMPServer
    let targetSeconds: Int
    private(set) var port = 0
    static let streamKey = "test-key-0123"

    init(targetSeconds: Int = 2, ringBytes: Int = 64 << 20, window: Int = 1000,
         serverConfiguration: RTMPServer.Configuration = .init(host: "127.0.0.1", port: 0)) {
        var logger = Logger(label: "alived.test")
        logger.logLevel = ProcessInfo.processInfo.environment["ALIVED_TEST_LOG"] == nil ? .critical : .debug
        self.targetSeconds = targetSeconds
        ring = SegmentRing(configuration: .init(budgetBytes: ringBytes, playlistWindow: window))
        segmenter = Segmenter(configuration: .init(targetDurationSeconds: targetSeconds), ring: ring, logger: logger)
        pipeline = SegmenterPipeline(segmenter: segmenter)
        coordinator = IngestCoordinator(app: "live", streamKey: Self.streamKey)
        var configuration = serverConfiguration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        server = RTMPServer(configuration: configuration, coordinator: coordinator, pipeline: pipeline, logger: logger)
    }

    func start() async throws {
        port = try await server.start().port!
    }

    func stop() async {
        await server.stop()
        await pipeline.finish()
    }

    func url(app: String = "live", key: String = IngestHarness.streamKey) -> String {
        "rtmp://127.0.0.1:\(port)/\(app)/\(key)"
    }

    /// ffmpeg encoding a synthetic stream and publishing it; `realtime` paces it like a live encoder.
    func publish(seconds: Int, gop: Int = 30, realtime: Bool = false, app: String = "live", key: String = IngestHarness.streamKey,
                 audio: Bool = true, video: Bool = true) throws -> ExternalProcess.Running {
        var arguments = TestMedia.encodeArguments(seconds: seconds, gop: gop, audio: audio, video: video)
        if realtime { arguments.insert("-re", at: 3) }
        return try ExternalProcess.start("ffmpeg", arguments + ["-f", "flv", url(app: app, key: key)])
    }

    /// Waits (bounded) until `condition` holds.
    func waitUntil(timeout: Double = 20, _ what: String, _ condition: () async -> Bool) async throws {
        try await waitFor(what, timeout: timeout, condition)
    }

    /// The segmenter queue has handled everything submitted so far.
    func drain() async {
        _ = await pipeline.counters()
    }
}

/// A hand-driven TCP peer for hostile-input tests.
final class RawPeer: @unchecked Sendable {
    // @unchecked: the channel is thread-safe; `received` is guarded by the event loop.
    private let channel: Channel
    private let collector: Collector

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received = ByteBuffer()
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
        }
    }

    private init(channel: Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawPeer {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawPeer(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    var receivedCount: Int {
        get async { (try? await channel.eventLoop.submit { self.collector.received.readableBytes }.get()) ?? 0 }
    }

    /// Plain handshake: C0+C1 (zero version: no digest), read S0+S1+S2, answer C2.
    func handshake() async throws {
        try await send([3] + [UInt8](repeating: 0, count: 1536))
        let deadline = Date().addingTimeInterval(5)
        while await receivedCount < 3073 {
            guard Date() < deadline else { throw ExternalProcess.Failure(description: "no S0+S1+S2") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let s1 = try await channel.eventLoop.submit { Array(self.collector.received.readableBytesView.dropFirst().prefix(1536)) }.get()
        try await send(s1)
    }

    /// Waits (bounded) for the server to close the connection; true if it did.
    func closedByServer(within seconds: Double) async -> Bool {
        let closed = channel.closeFuture
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await closed.get()) != nil }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            if !first { try? await self.channel.close() }
            return first
        }
    }

    func close() async { try? await channel.close() }

    var isOpen: Bool { channel.isActive }
}

/// Raw chunk bytes: one fmt-0 chunk on chunk stream 3 with the given header fields.
func rawChunk(type: UInt8, length: Int, streamID: UInt32 = 0, body: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0x03, 0, 0, 0]
    bytes += [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), type]
    bytes += withUnsafeBytes(of: streamID.littleEndian, Array.init)
    return bytes + body
}

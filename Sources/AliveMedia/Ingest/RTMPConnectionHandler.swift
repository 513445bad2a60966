import Logging
import NIOCore

/// One RTMP connection on its event loop: handshake, chunk stream, session actions.
/// It only moves bytes; the protocol lives in `RTMPHandshake`, `RTMPChunkDecoder` and
/// `RTMPPublishSession`. Any error closes this connection and nothing else.
final class RTMPConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        var limits: RTMPLimits
        var handshakeTimeout: TimeAmount
        var publishTimeout: TimeAmount
        var session: RTMPPublishSession.Configuration
    }

    private enum Phase {
        case handshake(RTMPHandshake)
        case messages
        case closing
    }

    private let configuration: Configuration
    private let coordinator: IngestCoordinator
    private let pipeline: SegmenterPipeline
    private let admission: RTMPAdmission
    private var logger: Logger
    private var phase: Phase = .handshake(RTMPHandshake())
    private var decoder: RTMPChunkDecoder
    private var encoder = RTMPChunkEncoder()
    private var session: RTMPPublishSession
    private var inbound: ByteBuffer?
    private var handshakeBytes: UInt64 = 0
    private var peerWindow: UInt64 = 0
    private var lastAcknowledged: UInt64 = 0
    private var handshakeTimer: Scheduled<Void>?
    private var publishTimer: Scheduled<Void>?
    private var pausedForBackPressure = false
    private var remote = "unknown"

    init(configuration: Configuration, coordinator: IngestCoordinator, pipeline: SegmenterPipeline,
         admission: RTMPAdmission, logger: Logger) {
        self.configuration = configuration
        self.coordinator = coordinator
        self.pipeline = pipeline
        self.admission = admission
        self.logger = logger
        // A stranger until its publish is accepted: small messages only (see `beforePublish`).
        self.decoder = RTMPChunkDecoder(limits: configuration.limits.beforePublish)
        self.session = RTMPPublishSession(app: coordinator.app, limits: configuration.limits, configuration: configuration.session)
    }

    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    func channelActive(context: ChannelHandlerContext) {
        remote = context.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        logger[metadataKey: "rtmp.peer"] = "\(remote)"
        logger.info("rtmp connection opened")
        MediaMetrics.rtmpConnectionsOpened.increment()
        let timeout = configuration.handshakeTimeout
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, case .handshake = self.phase else { return }
            self.fail(context: context, reason: "handshake not completed within \(timeout.nanoseconds / 1_000_000) ms")
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        MediaMetrics.rtmpBytesReceived.increment(by: Int64(bytes.readableBytes))
        if inbound == nil || inbound!.readableBytes == 0 {
            inbound = bytes
        } else {
            inbound!.writeBuffer(&bytes)
        }
        process(context: context)
    }

    private func process(context: ChannelHandlerContext) {
        guard var buffer = inbound else { return }
        inbound = nil
        defer {
            buffer.discardReadBytes()
            if buffer.readableBytes > 0 { inbound = buffer }
        }
        do {
            if case .handshake(var handshake) = phase {
                loop: while true {
                    switch try handshake.feed(&buffer) {
                    case .needMoreData:
                        phase = .handshake(handshake)
                        return
                    case .send(let reply):
                        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
                    case .completed:
                        handshakeBytes = handshake.bytesReceived
                        handshakeTimer?.cancel()
                        startPublishDeadline(context: context)
                        phase = .messages
                        context.flush()
                        break loop
                    }
                }
            }
            guard case .messages = phase else { return }
            while case .messages = phase, let message = try decoder.next(from: &buffer) {
                perform(try session.receive(message), context: context)
            }
            acknowledgeIfDue(context: context)
            context.flush()
            if case .messages = phase, !session.isPublishing,
               !admission.hold(ObjectIdentifier(context.channel), bytes: decoder.bufferedBytes) {
                fail(context: context, reason: "connections without a publish hold the box-wide budget of \(admission.limits.strangerBudgetBytes) bytes")
            }
        } catch {
            var when = ""
            if case .messages = phase, !session.isPublishing { when = " (before publish)" }
            fail(context: context, reason: "\(error)\(when)")
        }
    }

    /// Strangers get `publishTimeout` to publish; holding a slot with keep-alive bytes and
    /// no key would keep a reconnecting encoder out.
    private func startPublishDeadline(context: ChannelHandlerContext) {
        publishTimer?.cancel()
        let timeout = configuration.publishTimeout
        publishTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, !self.session.isPublishing else { return }
            self.fail(context: context, reason: "no accepted publish within \(timeout.nanoseconds / 1_000_000_000) s of the handshake")
        }
    }

    private func perform(_ actions: [RTMPPublishSession.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .send(let message):
                var out = context.channel.allocator.buffer(capacity: message.payload.readableBytes + 32)
                encoder.write(message, into: &out)
                context.write(wrapOutboundOut(out), promise: nil)
            case .setOutgoingChunkSize(let size):
                encoder.chunkSize = size
            case .authorizePublish(let key):
                if let refusal = coordinator.claim(id, key: key, remote: remote) {
                    logger.warning("rtmp publish refused", metadata: ["rtmp.refusal": "\(refusal)"])
                    MediaMetrics.publishesRefused.increment()
                    perform(session.publishRefused(refusal), context: context)
                } else {
                    logger.info("rtmp publish started")
                    MediaMetrics.publishesAccepted.increment()
                    // The key checked out: the full limits (large chunks and messages) apply.
                    publishTimer?.cancel()
                    decoder.limits = configuration.limits
                    admission.setPublished(ObjectIdentifier(context.channel), true)
                    perform(session.publishAccepted(), context: context)
                }
            case .media(let input):
                submit(input, context: context)
            case .publishEnded:
                logger.info("rtmp publish ended")
                coordinator.release(id)
                // Still connected: a stranger again, with a new deadline to publish.
                decoder.limits = configuration.limits.beforePublish
                admission.setPublished(ObjectIdentifier(context.channel), false)
                startPublishDeadline(context: context)
            case .peerWindowChanged(let size):
                peerWindow = UInt64(size)
            case .close(let reason):
                if !coordinator.isPublisher(id) { coordinator.recordError("rtmp connection from \(remote) closed: \(reason)", connectionRejected: true) }
                else { coordinator.recordError("rtmp publish from \(remote) stopped: \(reason)") }
                logger.warning("rtmp connection closed by the box", metadata: ["rtmp.reason": "\(reason)"])
                phase = .closing
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
                return
            }
        }
    }

    private func submit(_ input: MediaInput, context: ChannelHandlerContext) {
        switch input {
        case .video(let packet), .audio(let packet):
            coordinator.recordMedia(bytes: packet.data.readableBytes)
        case .metadata(let metadata):
            coordinator.update { $0.metadata = metadata }
        case .videoConfiguration(let config):
            coordinator.update { $0.videoCodec = StreamDescription.h264(config) }
        case .audioConfiguration(let config):
            coordinator.update { $0.audioCodec = StreamDescription.aac(config) }
        case .publishStarted, .publishEnded:
            break
        }
        guard !pipeline.submit(input), !pausedForBackPressure else { return }
        // The segmenter is behind: stop reading this socket until it catches up.
        pausedForBackPressure = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        let loop = context.eventLoop
        let channel = context.channel
        let handler = NIOLoopBound(self, eventLoop: loop)
        pipeline.whenDrained {
            loop.execute {
                handler.value.pausedForBackPressure = false
                channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                channel.read()
            }
        }
    }

    /// RTMP flow control: tell the peer how much arrived, once per its window.
    private func acknowledgeIfDue(context: ChannelHandlerContext) {
        let received = handshakeBytes + decoder.bytesReceived
        guard peerWindow > 0, received - lastAcknowledged >= peerWindow else { return }
        lastAcknowledged = received
        var out = context.channel.allocator.buffer(capacity: 16)
        encoder.write(.acknowledgement(sequenceNumber: UInt32(truncatingIfNeeded: received)), into: &out)
        context.write(wrapOutboundOut(out), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RTMPAdmission.Evicted {
            fail(context: context, reason: "every connection slot was taken: the oldest connection without a publish made room")
            return
        }
        if event is IdleStateHandler.IdleStateEvent {
            // Reads paused by our own back-pressure are not the peer's fault.
            if !pausedForBackPressure { fail(context: context, reason: "no data from the peer within the idle time-out") }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        publishTimer?.cancel()
        for action in session.connectionClosed() {
            switch action {
            case .media(let input): _ = pipeline.submit(input)
            case .publishEnded:
                logger.info("rtmp publisher went away")
                coordinator.release(id)
            default: break
            }
        }
        coordinator.release(id)
        logger.info("rtmp connection closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, reason: "\(error)")
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        if case .closing = phase { return }
        phase = .closing
        logger.warning("rtmp connection dropped", metadata: ["rtmp.reason": "\(reason)"])
        MediaMetrics.connectionsDropped.increment()
        coordinator.recordError("rtmp connection from \(remote) dropped: \(reason)", connectionRejected: !coordinator.isPublisher(id))
        context.close(promise: nil)
    }
}

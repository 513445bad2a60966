import NIOCore

/// The command side of one RTMP connection, as a state machine that returns actions:
/// connect → (releaseStream, FCPublish) → createStream → publish → media → FCUnpublish /
/// deleteStream. It performs no I/O: `RTMPConnectionHandler` carries the actions out.
///
/// Nothing a publisher sends counts as media until the box has accepted its publish.
struct RTMPPublishSession {
    struct Configuration: Sendable {
        var outgoingChunkSize: UInt32 = 4096
        var windowAcknowledgementSize: UInt32 = 2_500_000
        var peerBandwidth: UInt32 = 2_500_000
    }

    enum Action {
        case send(RTMPMessage)
        /// The Set Chunk Size just queued takes effect for what follows.
        case setOutgoingChunkSize(Int)
        /// Ask the coordinator whether this stream key may publish now; answer with
        /// `publishAccepted()` or `publishRefused(_:)`.
        case authorizePublish(streamKey: String)
        case media(MediaInput)
        case publishEnded
        /// Peer announced how often it wants Acknowledgements.
        case peerWindowChanged(UInt32)
        /// Send what was queued, then close; `reason` is for the log (never contains a key).
        case close(reason: String)
    }

    private enum State {
        case awaitingConnect
        case connected
        case awaitingPublishDecision(streamID: UInt32, transactionID: Double)
        case publishing(streamID: UInt32)
        case closed
    }

    private static let publishStatusChunkStream: UInt32 = 5
    private static let mediaStreamID: UInt32 = 1

    private let configuration: Configuration
    private let expectedApp: String
    private let amf: AMF0Decoder
    private let mapper = FLVMediaMapper()
    private var state: State = .awaitingConnect
    private var timestamps = TimestampExtender()
    private(set) var mediaBytes: UInt64 = 0

    init(app: String, limits: RTMPLimits, configuration: Configuration = Configuration()) {
        self.expectedApp = app
        self.amf = AMF0Decoder(limits: limits)
        self.configuration = configuration
    }

    var isPublishing: Bool {
        if case .publishing = state { return true }
        return false
    }

    mutating func receive(_ message: RTMPMessage) throws -> [Action] {
        switch message.typeID {
        case RTMPMessageType.commandAMF0:
            return try command(amf.decodeAll(message.payload), messageStreamID: message.messageStreamID)
        case RTMPMessageType.commandAMF3:
            // AMF3 command messages start with a format byte, then AMF0 values (RTMP 1.0, 7.1.1).
            var payload = message.payload
            payload.moveReaderIndex(forwardBy: min(1, payload.readableBytes))
            return try command(amf.decodeAll(payload), messageStreamID: message.messageStreamID)
        case RTMPMessageType.dataAMF0, RTMPMessageType.dataAMF3:
            var payload = message.payload
            if message.typeID == RTMPMessageType.dataAMF3 { payload.moveReaderIndex(forwardBy: min(1, payload.readableBytes)) }
            return try data(amf.decodeAll(payload), messageStreamID: message.messageStreamID)
        case RTMPMessageType.audio, RTMPMessageType.video:
            return media(message)
        case RTMPMessageType.aggregate:
            return try aggregate(message)
        case RTMPMessageType.windowAckSize:
            var payload = message.payload
            guard let size = payload.readInteger(as: UInt32.self) else { throw RTMPProtocolError.malformedCommand("Window Acknowledgement Size message too short") }
            return [.peerWindowChanged(size)]
        default:
            // Acknowledgements, user control (buffer length, pings), peer bandwidth: nothing to do.
            return []
        }
    }

    // MARK: Commands

    private mutating func command(_ values: [AMF0Value], messageStreamID: UInt32) throws -> [Action] {
        guard let name = values.first?.stringValue else { throw RTMPProtocolError.malformedCommand("command message without a command name") }
        let transactionID = values.count > 1 ? values[1].numberValue ?? 0 : 0
        let arguments = Array(values.dropFirst(3))

        switch (name, state) {
        case ("connect", .awaitingConnect):
            let commandObject = values.count > 2 ? values[2].objectValue : nil
            let app = Self.normalizedApp(commandObject?["app"]?.stringValue ?? "")
            guard app == expectedApp else {
                state = .closed
                return [
                    .send(.command([.string("_error"), .number(transactionID), .null, .object(Self.status(
                        level: "error", code: "NetConnection.Connect.Rejected", description: "Unknown application; publish to rtmp://<box>/\(expectedApp)/<stream key>"))])),
                    .close(reason: "connect to unknown application"),
                ]
            }
            state = .connected
            return [
                .send(.windowAcknowledgementSize(configuration.windowAcknowledgementSize)),
                .send(.setPeerBandwidth(configuration.peerBandwidth, limitType: 2)),
                .send(.setChunkSize(configuration.outgoingChunkSize)),
                .setOutgoingChunkSize(Int(configuration.outgoingChunkSize)),
                .send(.command([
                    .string("_result"), .number(transactionID),
                    .object(["fmsVer": .string("FMS/3,0,1,123"), "capabilities": .number(31)]),
                    .object(Self.status(level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded.", extra: [("objectEncoding", .number(0))])),
                ])),
            ]
        case ("connect", _):
            throw RTMPProtocolError.commandOutOfOrder("second connect on one connection")
        case (_, .awaitingConnect):
            throw RTMPProtocolError.commandOutOfOrder("command '\(name.prefix(32))' before connect")
        case ("releaseStream", _), ("FCPublish", _):
            return transactionID == 0 ? [] : [.send(.command([.string("_result"), .number(transactionID), .null, .undefined]))]
        case ("createStream", _):
            return [.send(.command([.string("_result"), .number(transactionID), .null, .number(Double(Self.mediaStreamID))]))]
        case ("publish", .connected):
            guard let rawName = arguments.first?.stringValue else { throw RTMPProtocolError.malformedCommand("publish without a stream name") }
            state = .awaitingPublishDecision(streamID: messageStreamID, transactionID: transactionID)
            return [.authorizePublish(streamKey: Self.streamKey(fromPublishName: rawName))]
        case ("publish", _):
            throw RTMPProtocolError.commandOutOfOrder("publish while already publishing")
        case ("play", _), ("play2", _):
            state = .closed
            return [
                .send(onStatus(streamID: messageStreamID, level: "error", code: "NetStream.Play.Failed", description: "This box only accepts publishing")),
                .close(reason: "play requested"),
            ]
        case ("FCUnpublish", .publishing), ("deleteStream", .publishing), ("closeStream", .publishing):
            guard case .publishing(let streamID) = state else { return [] }
            state = .connected
            return [
                .send(onStatus(streamID: streamID, level: "status", code: "NetStream.Unpublish.Success", description: "Stopped publishing")),
                .media(.publishEnded),
                .publishEnded,
            ]
        default:
            // FCUnpublish/deleteStream when not publishing, getStreamLength, _checkbw, …: nothing to do.
            return []
        }
    }

    mutating func publishAccepted() -> [Action] {
        guard case .awaitingPublishDecision(let streamID, _) = state else { return [] }
        state = .publishing(streamID: streamID)
        timestamps = TimestampExtender()
        return [
            .send(.streamBegin(streamID: streamID)),
            .send(onStatus(streamID: streamID, level: "status", code: "NetStream.Publish.Start", description: "Publishing")),
            .media(.publishStarted),
        ]
    }

    mutating func publishRefused(_ refusal: IngestCoordinator.Refusal) -> [Action] {
        guard case .awaitingPublishDecision(let streamID, _) = state else { return [] }
        state = .closed
        return [
            .send(onStatus(streamID: streamID, level: "error", code: "NetStream.Publish.BadName", description: refusal.description)),
            .close(reason: "publish refused: \(refusal.description)"),
        ]
    }

    /// The connection went away; ends a running publish.
    mutating func connectionClosed() -> [Action] {
        defer { state = .closed }
        if case .publishing = state { return [.media(.publishEnded), .publishEnded] }
        return []
    }

    // MARK: Data and media

    private mutating func data(_ values: [AMF0Value], messageStreamID: UInt32) throws -> [Action] {
        guard case .publishing = state else { return [] }
        var values = values[...]
        if values.first?.stringValue == "@setDataFrame" { values = values.dropFirst() }
        guard values.first?.stringValue == "onMetaData", let object = values.dropFirst().first?.objectValue else { return [] }
        return [.media(.metadata(Self.metadata(from: object)))]
    }

    private mutating func media(_ message: RTMPMessage) -> [Action] {
        guard case .publishing(let streamID) = state else { return mediaBeforePublish() }
        guard message.messageStreamID == streamID else { return [] }
        mediaBytes += UInt64(message.payload.readableBytes)
        let timestamp = timestamps.extend(message.timestamp)
        let outcome = message.typeID == RTMPMessageType.video
            ? mapper.video(timestamp: timestamp, payload: message.payload)
            : mapper.audio(timestamp: timestamp, payload: message.payload)
        switch outcome {
        case .input(let input):
            return [.media(input)]
        case .skip:
            return []
        case .unsupported(let reason):
            state = .closed
            return [
                .send(onStatus(streamID: streamID, level: "error", code: "NetStream.Publish.Rejected", description: reason)),
                .media(.publishEnded),
                .publishEnded,
                .close(reason: reason),
            ]
        }
    }

    /// No encoder sends audio or video before its publish is accepted (it waits for
    /// NetStream.Publish.Start): whoever does is not one, and loses the connection at once.
    private mutating func mediaBeforePublish() -> [Action] {
        if case .closed = state { return [] }
        state = .closed
        return [.close(reason: "media before publish")]
    }

    /// An aggregate message (type 22) is a run of FLV tags (11-byte header, body, 4-byte
    /// back pointer) whose timestamps are relative to the first; the message's own timestamp
    /// replaces the first one's (RTMP 1.0, 7.1.6).
    private mutating func aggregate(_ message: RTMPMessage) throws -> [Action] {
        guard case .publishing = state else { return mediaBeforePublish() }
        var payload = message.payload
        var actions: [Action] = []
        var base: UInt32?
        while payload.readableBytes > 0 {
            guard let type = payload.readInteger(as: UInt8.self), let size = payload.readUInt24(),
                  let low = payload.readUInt24(), let high = payload.readInteger(as: UInt8.self),
                  payload.readUInt24() != nil, let body = payload.readSlice(length: Int(size)),
                  payload.readInteger(as: UInt32.self) != nil else {
                throw RTMPProtocolError.malformedCommand("aggregate message with a truncated sub-message")
            }
            let timestamp = UInt32(high) << 24 | low
            let first = base ?? timestamp
            base = first
            let subTimestamp = message.timestamp &+ (timestamp &- first)
            guard type == RTMPMessageType.audio || type == RTMPMessageType.video else { continue }
            actions += media(RTMPMessage(chunkStreamID: message.chunkStreamID, typeID: type, messageStreamID: message.messageStreamID,
                                         timestamp: subTimestamp, payload: body))
            if case .closed = state { break }
        }
        return actions
    }

    // MARK: Helpers

    private func onStatus(streamID: UInt32, level: String, code: String, description: String) -> RTMPMessage {
        .command([.string("onStatus"), .number(0), .null, .object(Self.status(level: level, code: code, description: description))],
                 chunkStreamID: Self.publishStatusChunkStream, messageStreamID: streamID)
    }

    private static func status(level: String, code: String, description: String, extra: [(String, AMF0Value)] = []) -> AMF0Object {
        AMF0Object([("level", .string(level)), ("code", .string(code)), ("description", .string(description))] + extra.map { (key: $0.0, value: $0.1) })
    }

    /// `live`, `live/`, `live?token=…` all name the app `live`.
    static func normalizedApp(_ app: String) -> String {
        var app = Substring(app)
        if let query = app.firstIndex(of: "?") { app = app[..<query] }
        while app.hasSuffix("/") { app = app.dropLast() }
        return String(app)
    }

    /// OBS and others may append a query (`key?param=…`) to the stream name.
    static func streamKey(fromPublishName name: String) -> String {
        String(name.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    static func metadata(from object: AMF0Object) -> StreamMetadata {
        // Values from the encoder, for the status page: a NaN, an infinity or an absurd
        // number (AMF0 carries any double) is dropped here, where it enters, so what is
        // shown can always be encoded.
        func number(_ key: String) -> Double? {
            object[key]?.numberValue.flatMap { $0.isFinite && $0 >= 0 && $0 < 1_000_000 ? $0 : nil }
        }
        func present(_ key: String) -> Bool? {
            guard let value = object[key] else { return nil }
            return !value.isNullOrUndefined
        }
        return StreamMetadata(
            hasVideo: present("videocodecid"),
            hasAudio: present("audiocodecid"),
            width: number("width").flatMap { $0.isFinite && $0 > 0 && $0 < 100_000 ? Int($0) : nil },
            height: number("height").flatMap { $0.isFinite && $0 > 0 && $0 < 100_000 ? Int($0) : nil },
            framesPerSecond: number("framerate") ?? number("fps"),
            videoKilobitsPerSecond: number("videodatarate"),
            audioKilobitsPerSecond: number("audiodatarate"),
            encoder: object["encoder"]?.stringValue.map { String($0.prefix(100)) }
        )
    }
}

/// RTMP timestamps are 32-bit milliseconds and wrap after ~49.7 days; the segmenter wants
/// one monotonic 64-bit timeline. Audio and video interleave slightly out of order, so a
/// wrap is only recognised when the value jumps back by more than half the range.
struct TimestampExtender {
    private var last: UInt32?
    private var epoch: Int64 = 0

    mutating func extend(_ timestamp: UInt32) -> Int64 {
        if let last {
            if timestamp < last && last - timestamp > UInt32.max / 2 { epoch += 1 << 32 }
            else if timestamp > last && timestamp - last > UInt32.max / 2 { return epoch - (1 << 32) + Int64(timestamp) }
        }
        last = timestamp
        return epoch + Int64(timestamp)
    }
}

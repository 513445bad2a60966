import NIOCore
import Testing
@testable import AliveMedia

/// The publish state machine on its own: commands in, actions out.
struct RTMPPublishSessionTests {
    private func command(_ values: [AMF0Value], stream: UInt32 = 0, amf3: Bool = false) -> RTMPMessage {
        var payload = ByteBuffer()
        if amf3 { payload.writeInteger(UInt8(0)) }
        AMF0Encoder.encode(values, into: &payload)
        return RTMPMessage(chunkStreamID: 3, typeID: amf3 ? RTMPMessageType.commandAMF3 : RTMPMessageType.commandAMF0,
                           messageStreamID: stream, timestamp: 0, payload: payload)
    }

    private func sentCommands(_ actions: [RTMPPublishSession.Action]) throws -> [[AMF0Value]] {
        try actions.compactMap { action in
            guard case .send(let message) = action, message.typeID == RTMPMessageType.commandAMF0 else { return nil }
            return try AMF0Decoder().decodeAll(message.payload)
        }
    }

    private func publishingSession() throws -> RTMPPublishSession {
        var session = RTMPPublishSession(app: "live", limits: .default)
        _ = try session.receive(command([.string("connect"), .number(1), .object(["app": .string("live/")])]))
        _ = try session.receive(command([.string("createStream"), .number(2), .null]))
        let actions = try session.receive(command([.string("publish"), .number(3), .null, .string("key?x=1"), .string("live")], stream: 1))
        guard case .authorizePublish(let key) = actions.first else { throw RTMPProtocolError.commandOutOfOrder("the test's publish was not sent for authorization") }
        #expect(key == "key")
        _ = session.publishAccepted()
        return session
    }

    @Test func connectAnswersWithFlowControlThenResult() throws {
        var session = RTMPPublishSession(app: "live", limits: .default)
        let actions = try session.receive(command([.string("connect"), .number(1), .object(["app": .string("live"), "tcUrl": .string("rtmp://x/live")])], amf3: true))
        let results = try sentCommands(actions)
        #expect(results.count == 1)
        #expect(results[0][0] == .string("_result") && results[0][1] == .number(1))
        #expect(results[0][3].objectValue?["code"] == .string("NetConnection.Connect.Success"))
        #expect(actions.contains { if case .setOutgoingChunkSize(4096) = $0 { return true }; return false })
    }

    @Test func wrongAppIsRejectedAndClosed() throws {
        var session = RTMPPublishSession(app: "live", limits: .default)
        let actions = try session.receive(command([.string("connect"), .number(1), .object(["app": .string("other")])]))
        #expect(try sentCommands(actions).first?[3].objectValue?["code"] == .string("NetConnection.Connect.Rejected"))
        #expect(actions.contains { if case .close = $0 { return true }; return false })
    }

    @Test func commandsBeforeConnectAndMediaBeforePublishAreRefused() throws {
        var session = RTMPPublishSession(app: "live", limits: .default)
        #expect(throws: RTMPProtocolError.commandOutOfOrder("command 'publish' before connect")) {
            try session.receive(command([.string("publish"), .number(1), .null, .string("k")]))
        }
        var connected = RTMPPublishSession(app: "live", limits: .default)
        _ = try connected.receive(command([.string("connect"), .number(1), .object(["app": .string("live")])]))
        let video = RTMPMessage(chunkStreamID: 6, typeID: RTMPMessageType.video, messageStreamID: 1, timestamp: 0, payload: ByteBuffer(bytes: [0x17, 1, 0, 0, 0, 9]))
        // Not an encoder (they wait for NetStream.Publish.Start): closed at once, nothing counted.
        let actions = try connected.receive(video)
        #expect(actions.count == 1)
        #expect(actions.contains { if case .close(let reason) = $0 { return reason == "media before publish" }; return false })
        #expect(connected.mediaBytes == 0)
        #expect(try connected.receive(video).isEmpty, "closing: nothing more to do")
        // The same for an aggregate message, and before connect.
        var early = RTMPPublishSession(app: "live", limits: .default)
        let aggregate = RTMPMessage(chunkStreamID: 6, typeID: RTMPMessageType.aggregate, messageStreamID: 1, timestamp: 0, payload: ByteBuffer())
        #expect(try early.receive(aggregate).contains { if case .close = $0 { return true }; return false })
    }

    @Test func refusedPublishSendsBadNameAndCloses() throws {
        var session = RTMPPublishSession(app: "live", limits: .default)
        _ = try session.receive(command([.string("connect"), .number(1), .object(["app": .string("live")])]))
        _ = try session.receive(command([.string("publish"), .number(3), .null, .string("k")], stream: 1))
        let actions = session.publishRefused(.anotherPublisherIsLive)
        let status = try sentCommands(actions).first?[3].objectValue
        #expect(status?["code"] == .string("NetStream.Publish.BadName"))
        #expect(status?["description"] == .string("Another encoder is already publishing to this box"))
        #expect(actions.contains { if case .close = $0 { return true }; return false })
    }

    @Test func aggregateMessagesAreSplitWithRebasedTimestamps() throws {
        var session = try publishingSession()
        var payload = ByteBuffer()
        for (type, timestamp, body) in [(UInt8(9), UInt32(1000), [UInt8](arrayLiteral: 0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65)),
                                        (UInt8(8), UInt32(1023), [0xAF, 1, 0x21, 0x10])] {
            payload.writeInteger(type)
            payload.writeBytes([UInt8(body.count >> 16), UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)])
            payload.writeBytes([UInt8(timestamp >> 16 & 0xFF), UInt8(timestamp >> 8 & 0xFF), UInt8(timestamp & 0xFF), UInt8(timestamp >> 24)])
            payload.writeBytes([0, 0, 0])
            payload.writeBytes(body)
            payload.writeInteger(UInt32(11 + body.count))
        }
        let actions = try session.receive(RTMPMessage(chunkStreamID: 4, typeID: RTMPMessageType.aggregate, messageStreamID: 1, timestamp: 5000, payload: payload))
        let timestamps: [Int64] = actions.compactMap {
            if case .media(.video(let packet)) = $0 { return packet.decodeTimestamp }
            if case .media(.audio(let packet)) = $0 { return packet.decodeTimestamp }
            return nil
        }
        #expect(timestamps == [5000, 5023])
        var truncated = payload
        truncated.moveWriterIndex(to: payload.writerIndex - 3)
        #expect(throws: RTMPProtocolError.malformedCommand("aggregate message with a truncated sub-message")) {
            try session.receive(RTMPMessage(chunkStreamID: 4, typeID: RTMPMessageType.aggregate, messageStreamID: 1, timestamp: 0, payload: truncated))
        }
    }

    @Test func enhancedAvc1IsAcceptedAndHevcRefused() throws {
        let mapper = FLVMediaMapper()
        // Enhanced RTMP: key frame (1 << 4), packet type CodedFrames (1), FourCC avc1, SI24 composition time.
        let avc1 = mapper.video(timestamp: 40, payload: ByteBuffer(bytes: [0x80 | 0x10 | 1] + Array("avc1".utf8) + [0, 0, 33, 0, 0, 0, 1, 0x65]))
        guard case .input(.video(let packet)) = avc1 else { Issue.record("avc1 not accepted: \(avc1)"); return }
        #expect(packet.isKeyframe && packet.compositionOffset == 33 && packet.decodeTimestamp == 40)
        let hevc = mapper.video(timestamp: 0, payload: ByteBuffer(bytes: [0x80 | 0x10 | 1] + Array("hvc1".utf8) + [0, 0, 0, 1]))
        guard case .unsupported(let reason) = hevc else { Issue.record("hvc1 accepted"); return }
        #expect(reason == "video codec hvc1 (enhanced RTMP) is not supported; send H.264")
    }

    @Test func timestampsExtendAcrossTheThirtyTwoBitWrap() {
        var extender = TimestampExtender()
        #expect(extender.extend(UInt32.max - 10) == Int64(UInt32.max) - 10)
        #expect(extender.extend(5) == Int64(UInt32.max) + 6)
        #expect(extender.extend(UInt32.max - 20) == Int64(UInt32.max) - 20)   // a late frame from before the wrap
        #expect(extender.extend(40) == Int64(UInt32.max) + 41)
    }

    /// Issue 15: an `onMetaData` with `framerate` NaN made every later status answer a 500.
    @Test func metadataNumbersThatAreNotFiniteOrAbsurdAreDroppedWhereTheyEnter() {
        let metadata = RTMPPublishSession.metadata(from: [
            "framerate": .number(.nan), "videodatarate": .number(.infinity), "audiodatarate": .number(-5),
            "width": .number(1280), "height": .number(.nan),
        ])
        #expect(metadata.framesPerSecond == nil && metadata.videoKilobitsPerSecond == nil && metadata.audioKilobitsPerSecond == nil)
        #expect(metadata.width == 1280 && metadata.height == nil)
        #expect(RTMPPublishSession.metadata(from: ["fps": .number(29.97), "framerate": .number(1e300)]).framesPerSecond == 29.97)
    }
}

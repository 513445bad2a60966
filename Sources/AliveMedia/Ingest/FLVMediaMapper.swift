import NIOCore

/// Turns FLV audio/video tag bodies (RTMP message types 8 and 9) into segmenter input,
/// refusing codecs the segmenter cannot carry (only H.264 and AAC go into the segments).
public struct FLVMediaMapper: Sendable {
    public enum Outcome: Sendable {
        case input(MediaInput)
        /// Nothing to hand on (e.g. an AVC end-of-sequence or an empty tag).
        case skip
        /// The codec cannot be segmented; the reason is meant for the log and status.
        case unsupported(String)
    }

    private static let videoCodecNames: [UInt8: String] = [2: "Sorenson H.263", 3: "Screen video", 4: "VP6", 5: "VP6 alpha", 6: "Screen video 2", 7: "H.264", 12: "HEVC"]
    private static let audioCodecNames: [UInt8: String] = [0: "PCM", 1: "ADPCM", 2: "MP3", 3: "PCM LE", 4: "Nellymoser 16k", 5: "Nellymoser 8k", 6: "Nellymoser", 7: "G.711 A-law", 8: "G.711 mu-law", 10: "AAC", 11: "Speex", 14: "MP3 8k"]

    public init() {}

    /// Video tag: `[frameType:4 codecID:4] [AVCPacketType] [CompositionTime:SI24] data`.
    public func video(timestamp: Int64, payload: ByteBuffer) -> Outcome {
        var payload = payload
        guard let first = payload.readInteger(as: UInt8.self) else { return .skip }
        if first & 0x80 != 0 {
            // Enhanced RTMP: a FourCC follows (hvc1, av01, vp09).
            let fourCC = payload.readString(length: 4) ?? "?"
            return .unsupported("video codec \(fourCC) (enhanced RTMP) is not supported; send H.264")
        }
        let frameType = first >> 4
        let codecID = first & 0x0F
        guard codecID == 7 else {
            return .unsupported("video codec \(Self.videoCodecNames[codecID] ?? "id \(codecID)") is not supported; send H.264")
        }
        if frameType == 5 { return .skip }   // video info / command frame
        guard let packetType = payload.readInteger(as: UInt8.self),
              let compositionBytes = payload.readBytes(length: 3) else { return .skip }
        var composition = Int32(compositionBytes[0]) << 16 | Int32(compositionBytes[1]) << 8 | Int32(compositionBytes[2])
        if composition & 0x80_0000 != 0 { composition -= 0x100_0000 }   // SI24
        switch packetType {
        case 0:
            return .input(.videoConfiguration(payload))
        case 1:
            guard payload.readableBytes > 0 else { return .skip }
            return .input(.video(MediaPacket(decodeTimestamp: timestamp, compositionOffset: Int64(composition), isKeyframe: frameType == 1, data: payload)))
        default:
            return .skip   // end of sequence
        }
    }

    /// Audio tag: `[format:4 rate:2 size:1 type:1] [AACPacketType] data`.
    public func audio(timestamp: Int64, payload: ByteBuffer) -> Outcome {
        var payload = payload
        guard let first = payload.readInteger(as: UInt8.self) else { return .skip }
        let format = first >> 4
        guard format == 10 else {
            return .unsupported("audio codec \(Self.audioCodecNames[format] ?? "id \(format)") is not supported; send AAC")
        }
        guard let packetType = payload.readInteger(as: UInt8.self), payload.readableBytes > 0 else { return .skip }
        if packetType == 0 { return .input(.audioConfiguration(payload)) }
        return .input(.audio(MediaPacket(decodeTimestamp: timestamp, isKeyframe: true, data: payload)))
    }
}

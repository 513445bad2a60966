import NIOCore

/// Turns FLV audio/video tag bodies (RTMP message types 8 and 9, parsed by `FLVVideoTag`
/// and `FLVAudioTag`) into segmenter input, refusing codecs the segmenter cannot carry:
/// only H.264 (legacy codec 7 or enhanced `avc1`) and AAC (legacy 10 or enhanced `mp4a`).
public struct FLVMediaMapper: Sendable {
    public enum Outcome: Sendable {
        case input(MediaInput)
        /// Nothing to hand on (command frame, end of sequence, an empty or malformed tag).
        case skip
        /// The codec cannot be segmented; the reason is meant for the log and status.
        case unsupported(String)
    }

    private static let videoCodecNames: [UInt8: String] = [2: "Sorenson H.263", 3: "Screen video", 4: "VP6", 5: "VP6 alpha", 6: "Screen video 2", 7: "H.264", 12: "HEVC"]
    private static let audioCodecNames: [UInt8: String] = [0: "PCM", 1: "ADPCM", 2: "MP3", 3: "PCM LE", 4: "Nellymoser 16k", 5: "Nellymoser 8k", 6: "Nellymoser", 7: "G.711 A-law", 8: "G.711 mu-law", 10: "AAC", 11: "Speex", 14: "MP3 8k"]

    public init() {}

    public func video(timestamp: Int64, payload: ByteBuffer) -> Outcome {
        let tag: FLVVideoTag
        do {
            tag = try FLVVideoTag(parsing: payload)
        } catch let error as RTMPProtocolError {
            return error.isUnsupported ? .unsupported("video: \(error); send H.264") : .skip
        } catch {
            return .skip
        }
        let isH264 = tag.isEnhanced ? tag.fourCC == "avc1" : tag.codecID == FLVCodec.avc
        guard isH264 else {
            let name = tag.isEnhanced ? "\(tag.fourCC ?? "?") (enhanced RTMP)" : Self.videoCodecNames[tag.codecID] ?? "id \(tag.codecID)"
            return .unsupported("video codec \(name) is not supported; send H.264")
        }
        if tag.isCommandFrame { return .skip }
        if tag.isSequenceHeader { return .input(.videoConfiguration(tag.data)) }
        guard tag.avcPacketType == 1, tag.data.readableBytes > 0 else { return .skip }   // end of sequence, empty
        return .input(.video(MediaPacket(decodeTimestamp: timestamp, compositionOffset: Int64(tag.compositionTime), isKeyframe: tag.isKeyframe, data: tag.data)))
    }

    public func audio(timestamp: Int64, payload: ByteBuffer) -> Outcome {
        let tag: FLVAudioTag
        do {
            tag = try FLVAudioTag(parsing: payload)
        } catch let error as RTMPProtocolError {
            return error.isUnsupported ? .unsupported("audio: \(error); send AAC") : .skip
        } catch {
            return .skip
        }
        let isAAC = tag.isEnhanced ? tag.fourCC == "mp4a" : tag.soundFormat == FLVCodec.aac
        guard isAAC else {
            let name = tag.isEnhanced ? "\(tag.fourCC ?? "?") (enhanced RTMP)" : Self.audioCodecNames[tag.soundFormat] ?? "id \(tag.soundFormat)"
            return .unsupported("audio codec \(name) is not supported; send AAC")
        }
        guard let packetType = tag.aacPacketType, tag.data.readableBytes > 0 else { return .skip }
        switch packetType {
        case 0: return .input(.audioConfiguration(tag.data))
        case 1: return .input(.audio(MediaPacket(decodeTimestamp: timestamp, isKeyframe: true, data: tag.data)))
        default: return .skip
        }
    }
}

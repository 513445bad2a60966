import NIOCore

/// Known FLV / enhanced-RTMP codec and packet identifiers.
public enum FLVCodec {
    /// Legacy video codec id of H.264 / AVC.
    public static let avc: UInt8 = 7
    /// Legacy video codec id of H.265 / HEVC (the widely used non-Adobe extension).
    public static let hevc: UInt8 = 12
    /// Legacy sound format of AAC.
    public static let aac: UInt8 = 10
    /// Legacy sound format of MP3.
    public static let mp3: UInt8 = 2
    /// Sound format value that marks an enhanced-RTMP audio header (FourCC follows).
    public static let enhancedAudio: UInt8 = 9
}

/// The header of an RTMP video message payload (an FLV VIDEODATA tag body), legacy or
/// enhanced RTMP (E-RTMP: high bit of the first byte set, codec named by a FourCC).
public struct FLVVideoTag: Sendable, Equatable {
    /// 1 key frame, 2 inter frame, 3 disposable inter frame, 4 generated key frame, 5 command / info frame.
    public var frameType: UInt8
    /// Legacy codec id (7 AVC, 12 HEVC). For enhanced tags, the legacy id of the same codec
    /// (7 for "avc1", 12 for "hvc1") or 0 when there is none ("av01", "vp09").
    public var codecID: UInt8
    /// Whether this is an enhanced-RTMP header.
    public var isEnhanced: Bool
    /// Codec FourCC of an enhanced header, e.g. "hvc1", "av01", "vp09", "avc1".
    public var fourCC: String?
    /// 0 sequence header (decoder configuration), 1 coded frames, 2 end of sequence, with the
    /// same meaning for legacy AVC/HEVC and enhanced tags (enhanced CodedFramesX maps to 1).
    /// Enhanced Metadata (4) and MPEG2TSSequenceStart (5) are passed through as 4 and 5.
    /// Legacy codecs without this byte report 1. Command frames report 0 (see `isCommandFrame`).
    public var avcPacketType: UInt8
    /// The raw enhanced VideoPacketType, nil for legacy tags.
    public var enhancedPacketType: UInt8?
    /// Presentation minus decode time in milliseconds (SI24, sign-extended).
    public var compositionTime: Int32
    /// The body after the tag header (for legacy AVC/HEVC, after the 5-byte header).
    public var data: ByteBuffer

    public var isKeyframe: Bool { frameType == 1 }
    /// A command / info frame (frame type 5): `data` holds the command, not video.
    public var isCommandFrame: Bool { frameType == 5 }
    /// A decoder configuration record (AVCDecoderConfigurationRecord, HEVC..., AV1...).
    public var isSequenceHeader: Bool { !isCommandFrame && avcPacketType == 0 && (isEnhanced || codecID == FLVCodec.avc || codecID == FLVCodec.hevc) }

    public init(parsing payload: ByteBuffer) throws {
        var reader = payload
        guard let first = reader.readInteger(as: UInt8.self) else {
            throw RTMPProtocolError.malformedFLVTag("empty video payload")
        }
        isEnhanced = first & 0x80 != 0
        frameType = (first >> 4) & (isEnhanced ? 0x07 : 0x0F)
        compositionTime = 0
        enhancedPacketType = nil
        fourCC = nil

        if !isEnhanced {
            codecID = first & 0x0F
            if frameType == 5 {
                avcPacketType = 0
            } else if codecID == FLVCodec.avc || codecID == FLVCodec.hevc {
                guard let packetType = reader.readInteger(as: UInt8.self), let time = reader.readSignedInt24() else {
                    throw RTMPProtocolError.malformedFLVTag("AVC/HEVC video payload of \(payload.readableBytes) bytes is shorter than its 5-byte header")
                }
                avcPacketType = packetType
                compositionTime = time
            } else {
                avcPacketType = 1
            }
            data = reader
            return
        }

        let packetType = first & 0x0F
        enhancedPacketType = packetType
        codecID = 0
        if frameType == 5, packetType != ExVideoPacketType.metadata {
            // Enhanced command frame: a VideoCommand byte follows instead of a FourCC.
            avcPacketType = 0
            data = reader
            return
        }
        switch packetType {
        case ExVideoPacketType.multitrack:
            throw RTMPProtocolError.unsupportedFLVTag("enhanced RTMP multitrack video")
        case ExVideoPacketType.modEx:
            throw RTMPProtocolError.unsupportedFLVTag("enhanced RTMP video packet modifier extensions (ModEx)")
        case ExVideoPacketType.sequenceStart...ExVideoPacketType.mpeg2TSSequenceStart:
            break
        default:
            throw RTMPProtocolError.unsupportedFLVTag("reserved enhanced RTMP video packet type \(packetType)")
        }
        let code = try reader.readFourCC(what: "video")
        fourCC = code
        codecID = code == "avc1" ? FLVCodec.avc : code == "hvc1" ? FLVCodec.hevc : 0
        switch packetType {
        case ExVideoPacketType.codedFrames:
            avcPacketType = 1
            // Only the AVC/HEVC FourCCs carry a composition time in CodedFrames.
            if code == "avc1" || code == "hvc1" {
                guard let time = reader.readSignedInt24() else {
                    throw RTMPProtocolError.malformedFLVTag("enhanced \(code) coded frames without composition time")
                }
                compositionTime = time
            }
        case ExVideoPacketType.codedFramesX:
            avcPacketType = 1
        default:
            avcPacketType = packetType
        }
        data = reader
    }

    /// Enhanced RTMP VideoPacketType values.
    private enum ExVideoPacketType {
        static let sequenceStart: UInt8 = 0
        static let codedFrames: UInt8 = 1
        static let sequenceEnd: UInt8 = 2
        static let codedFramesX: UInt8 = 3
        static let metadata: UInt8 = 4
        static let mpeg2TSSequenceStart: UInt8 = 5
        static let multitrack: UInt8 = 6
        static let modEx: UInt8 = 7
    }
}

/// The header of an RTMP audio message payload (an FLV AUDIODATA tag body), legacy or
/// enhanced RTMP (sound format 9, codec named by a FourCC).
public struct FLVAudioTag: Sendable, Equatable {
    /// 10 AAC, 2 MP3, ... ; 9 for an enhanced header.
    public var soundFormat: UInt8
    /// Legacy header only: 0 5.5 kHz, 1 11 kHz, 2 22 kHz, 3 44 kHz (AAC always says 3). 0 for enhanced tags.
    public var soundRate: UInt8
    /// Legacy header only: 0 8-bit, 1 16-bit samples. 0 for enhanced tags.
    public var soundSize: UInt8
    /// Legacy header only: 0 mono, 1 stereo. 0 for enhanced tags.
    public var soundType: UInt8
    /// For AAC (legacy format 10 or enhanced "mp4a"): 0 AudioSpecificConfig, 1 raw frames; nil otherwise.
    public var aacPacketType: UInt8?
    public var isEnhanced: Bool { soundFormat == FLVCodec.enhancedAudio }
    /// Codec FourCC of an enhanced header, e.g. "mp4a", "Opus", "fLaC", "ac-3", "ec-3", ".mp3".
    public var fourCC: String?
    /// The raw enhanced AudioPacketType, nil for legacy tags.
    public var enhancedPacketType: UInt8?
    /// The body after the tag header.
    public var data: ByteBuffer

    public init(parsing payload: ByteBuffer) throws {
        var reader = payload
        guard let first = reader.readInteger(as: UInt8.self) else {
            throw RTMPProtocolError.malformedFLVTag("empty audio payload")
        }
        soundFormat = first >> 4
        fourCC = nil
        enhancedPacketType = nil
        aacPacketType = nil

        if soundFormat != FLVCodec.enhancedAudio {
            soundRate = (first >> 2) & 0x03
            soundSize = (first >> 1) & 0x01
            soundType = first & 0x01
            if soundFormat == FLVCodec.aac {
                guard let packetType = reader.readInteger(as: UInt8.self) else {
                    throw RTMPProtocolError.malformedFLVTag("AAC audio payload without AACPacketType")
                }
                aacPacketType = packetType
            }
            data = reader
            return
        }

        soundRate = 0
        soundSize = 0
        soundType = 0
        let packetType = first & 0x0F
        enhancedPacketType = packetType
        switch packetType {
        case ExAudioPacketType.multitrack:
            throw RTMPProtocolError.unsupportedFLVTag("enhanced RTMP multitrack audio")
        case ExAudioPacketType.modEx:
            throw RTMPProtocolError.unsupportedFLVTag("enhanced RTMP audio packet modifier extensions (ModEx)")
        case ExAudioPacketType.sequenceStart, ExAudioPacketType.codedFrames,
             ExAudioPacketType.sequenceEnd, ExAudioPacketType.multichannelConfig:
            break
        default:
            throw RTMPProtocolError.unsupportedFLVTag("reserved enhanced RTMP audio packet type \(packetType)")
        }
        let code = try reader.readFourCC(what: "audio")
        fourCC = code
        if code == "mp4a", packetType <= ExAudioPacketType.codedFrames {
            aacPacketType = packetType
        }
        data = reader
    }

    /// Enhanced RTMP AudioPacketType values.
    private enum ExAudioPacketType {
        static let sequenceStart: UInt8 = 0
        static let codedFrames: UInt8 = 1
        static let sequenceEnd: UInt8 = 2
        static let multichannelConfig: UInt8 = 4
        static let multitrack: UInt8 = 5
        static let modEx: UInt8 = 7
    }
}

extension ByteBuffer {
    /// Reads a big-endian SI24 and sign-extends it; nil (nothing consumed) when fewer than 3 bytes remain.
    fileprivate mutating func readSignedInt24() -> Int32? {
        guard let raw = readUInt24() else { return nil }
        return Int32(bitPattern: raw << 8) >> 8
    }

    /// Reads an enhanced-RTMP FourCC, which must be printable ASCII.
    fileprivate mutating func readFourCC(what: String) throws -> String {
        guard let bytes = readBytes(length: 4) else {
            throw RTMPProtocolError.malformedFLVTag("enhanced \(what) header without its FourCC")
        }
        guard bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw RTMPProtocolError.malformedFLVTag("enhanced \(what) FourCC is not printable ASCII")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

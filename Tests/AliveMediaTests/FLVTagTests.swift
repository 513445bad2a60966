import NIOCore
import Testing
@testable import AliveMedia

@Suite("FLV tags")
struct FLVTagTests {
    private func video(_ bytes: [UInt8]) throws -> FLVVideoTag { try FLVVideoTag(parsing: ByteBuffer(bytes: bytes)) }
    private func audio(_ bytes: [UInt8]) throws -> FLVAudioTag { try FLVAudioTag(parsing: ByteBuffer(bytes: bytes)) }

    // MARK: legacy video

    @Test("AVC sequence header (key frame, AVCPacketType 0)")
    func avcSequenceHeader() throws {
        let tag = try video([0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1F])
        #expect(tag.frameType == 1 && tag.isKeyframe)
        #expect(tag.codecID == FLVCodec.avc)
        #expect(!tag.isEnhanced && tag.fourCC == nil && tag.enhancedPacketType == nil)
        #expect(tag.avcPacketType == 0 && tag.isSequenceHeader)
        #expect(tag.compositionTime == 0)
        #expect(tag.data.bytes == [0x01, 0x64, 0x00, 0x1F])
    }

    @Test("AVC NALUs with positive and negative (sign-extended SI24) composition times")
    func avcCompositionTime() throws {
        let inter = try video([0x27, 0x01, 0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x02, 0x41, 0x9A])
        #expect(inter.frameType == 2 && !inter.isKeyframe)
        #expect(inter.avcPacketType == 1 && !inter.isSequenceHeader)
        #expect(inter.compositionTime == 80)
        #expect(inter.data.bytes == [0x00, 0x00, 0x00, 0x02, 0x41, 0x9A])
        #expect(try video([0x27, 0x01, 0xFF, 0xFF, 0xFE]).compositionTime == -2)
        #expect(try video([0x27, 0x01, 0x80, 0x00, 0x00]).compositionTime == -8_388_608)
        #expect(try video([0x27, 0x01, 0x7F, 0xFF, 0xFF]).compositionTime == 8_388_607)
        #expect(try video([0x17, 0x02, 0x00, 0x00, 0x00]).avcPacketType == 2)
    }

    @Test("legacy HEVC (codec id 12) uses the AVC header layout")
    func legacyHEVC() throws {
        let tag = try video([0x1C, 0x01, 0x00, 0x00, 0x21, 0xAA])
        #expect(tag.codecID == FLVCodec.hevc)
        #expect(tag.isKeyframe && tag.avcPacketType == 1 && tag.compositionTime == 33)
        #expect(tag.data.bytes == [0xAA])
    }

    @Test("other legacy codecs have no packet type byte")
    func legacyOtherCodec() throws {
        let tag = try video([0x22, 0x01, 0x02])  // Sorenson H.263 inter frame
        #expect(tag.codecID == 2 && tag.avcPacketType == 1 && !tag.isSequenceHeader)
        #expect(tag.data.bytes == [0x01, 0x02])
    }

    @Test("legacy command frame")
    func legacyCommandFrame() throws {
        let tag = try video([0x57, 0x01])
        #expect(tag.isCommandFrame && !tag.isSequenceHeader)
        #expect(tag.data.bytes == [0x01])
    }

    @Test("short AVC/HEVC payloads are malformed", arguments: [[UInt8](), [0x17], [0x17, 0x01], [0x17, 0x01, 0x00, 0x00], [0x2C, 0x01, 0x00]])
    func shortVideo(bytes: [UInt8]) {
        #expect(throws: RTMPProtocolError.self) { try video(bytes) }
    }

    // MARK: enhanced video

    private func exVideo(frameType: UInt8, packetType: UInt8, _ fourCC: String, _ rest: [UInt8]) -> [UInt8] {
        [0x80 | frameType << 4 | packetType] + Array(fourCC.utf8) + rest
    }

    @Test("enhanced HEVC sequence start, coded frames with composition time, coded frames X")
    func enhancedHEVC() throws {
        let start = try video(exVideo(frameType: 1, packetType: 0, "hvc1", [0x01, 0x02]))
        #expect(start.isEnhanced && start.fourCC == "hvc1" && start.codecID == FLVCodec.hevc)
        #expect(start.enhancedPacketType == 0 && start.avcPacketType == 0 && start.isSequenceHeader && start.isKeyframe)
        #expect(start.data.bytes == [0x01, 0x02])

        let frames = try video(exVideo(frameType: 2, packetType: 1, "hvc1", [0xFF, 0xFF, 0xDE, 0x26, 0x01]))
        #expect(frames.avcPacketType == 1 && frames.compositionTime == -34 && !frames.isKeyframe)
        #expect(frames.data.bytes == [0x26, 0x01])

        let framesX = try video(exVideo(frameType: 1, packetType: 3, "hvc1", [0x26, 0x01]))
        #expect(framesX.avcPacketType == 1 && framesX.compositionTime == 0 && framesX.enhancedPacketType == 3)
        #expect(framesX.data.bytes == [0x26, 0x01])

        let end = try video(exVideo(frameType: 1, packetType: 2, "hvc1", []))
        #expect(end.avcPacketType == 2 && end.data.readableBytes == 0)
    }

    @Test("enhanced AV1 and VP9 coded frames carry no composition time")
    func enhancedAV1VP9() throws {
        let av1 = try video(exVideo(frameType: 1, packetType: 1, "av01", [0x12, 0x00]))
        #expect(av1.fourCC == "av01" && av1.codecID == 0 && av1.compositionTime == 0)
        #expect(av1.data.bytes == [0x12, 0x00])
        let vp9 = try video(exVideo(frameType: 2, packetType: 0, "vp09", [0x01]))
        #expect(vp9.fourCC == "vp09" && vp9.isSequenceHeader)
        #expect(try video(exVideo(frameType: 1, packetType: 1, "avc1", [0, 0, 1, 9])).codecID == FLVCodec.avc)
    }

    @Test("enhanced metadata passes through as packet type 4; enhanced command frames have no FourCC")
    func enhancedMetadataAndCommand() throws {
        let metadata = try video(exVideo(frameType: 5, packetType: 4, "hvc1", [0x02, 0x00, 0x00]))
        #expect(metadata.avcPacketType == 4 && metadata.fourCC == "hvc1" && !metadata.isSequenceHeader)
        let command = try video([0x80 | 5 << 4 | 1, 0x00])
        #expect(command.isCommandFrame && command.fourCC == nil && command.data.bytes == [0x00])
    }

    @Test("enhanced multitrack, ModEx and reserved packet types are unsupported", arguments: [UInt8(6), 7, 8, 15])
    func enhancedUnsupported(packetType: UInt8) {
        do {
            _ = try video(exVideo(frameType: 1, packetType: packetType, "hvc1", [0, 0, 0]))
            Issue.record("accepted packet type \(packetType)")
        } catch let error as RTMPProtocolError {
            #expect(error.description.hasPrefix("unsupported FLV tag"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("enhanced headers need a printable FourCC and hvc1 coded frames a composition time")
    func enhancedMalformed() {
        #expect(throws: RTMPProtocolError.malformedFLVTag("enhanced video header without its FourCC")) {
            try video([0x90, 0x68, 0x76])
        }
        #expect(throws: RTMPProtocolError.malformedFLVTag("enhanced video FourCC is not printable ASCII")) {
            try video([0x90, 0x00, 0x76, 0x63, 0x31])
        }
        #expect(throws: RTMPProtocolError.malformedFLVTag("enhanced hvc1 coded frames without composition time")) {
            try video(exVideo(frameType: 1, packetType: 1, "hvc1", [0x00]))
        }
    }

    // MARK: audio

    @Test("AAC AudioSpecificConfig and raw frames")
    func aac() throws {
        let config = try audio([0xAF, 0x00, 0x12, 0x10])
        #expect(config.soundFormat == FLVCodec.aac && config.aacPacketType == 0)
        #expect(config.soundRate == 3 && config.soundSize == 1 && config.soundType == 1)
        #expect(!config.isEnhanced && config.fourCC == nil)
        #expect(config.data.bytes == [0x12, 0x10])
        let raw = try audio([0xAF, 0x01, 0x21])
        #expect(raw.aacPacketType == 1 && raw.data.bytes == [0x21])
    }

    @Test("MP3 has no packet type byte")
    func mp3() throws {
        let tag = try audio([0x2E, 0xFF, 0xFB])
        #expect(tag.soundFormat == FLVCodec.mp3 && tag.aacPacketType == nil)
        #expect(tag.soundRate == 3 && tag.soundSize == 1 && tag.soundType == 0)
        #expect(tag.data.bytes == [0xFF, 0xFB])
    }

    @Test("enhanced audio: Opus, and AAC as mp4a reports its AAC packet type")
    func enhancedAudio() throws {
        let opus = try audio([0x90] + Array("Opus".utf8) + [0x4F])
        #expect(opus.isEnhanced && opus.fourCC == "Opus" && opus.enhancedPacketType == 0 && opus.aacPacketType == nil)
        #expect(opus.data.bytes == [0x4F])
        let aac = try audio([0x91] + Array("mp4a".utf8) + [0x21])
        #expect(aac.aacPacketType == 1 && aac.data.bytes == [0x21])
        let multichannel = try audio([0x94] + Array("Opus".utf8) + [0x00])
        #expect(multichannel.enhancedPacketType == 4)
    }

    @Test("malformed and unsupported audio", arguments: [[UInt8](), [0xAF], [0x90, 0x4F, 0x70], [0x95, 0x4F, 0x70, 0x75, 0x73], [0x97, 0x4F, 0x70, 0x75, 0x73], [0x93, 0x4F, 0x70, 0x75, 0x73]])
    func badAudio(bytes: [UInt8]) {
        #expect(throws: RTMPProtocolError.self) { try audio(bytes) }
    }
}

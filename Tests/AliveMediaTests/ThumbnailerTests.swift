import AliveTestSupport
import Foundation
import NIOCore
import Testing
@testable import AliveMedia

/// Real H.264 from ffmpeg, through the segmenter's keyframe tap, into JPEGs that ffprobe
/// and ffmpeg's own decoder read back.
@Suite(.serialized) struct ThumbnailerTests {
    /// 4 s of 1280x720 testsrc2 at 30 fps, a keyframe every second; segments of 1 s, so each
    /// segment starts at frame 0, 30, 60, 90.
    static func hdStream() throws -> (flv: URL, harness: SegmenterHarness, keyframes: [SegmentKeyframe]) {
        let flv = try TestMedia.flv(seconds: 4, gop: 30, size: "1280x720")
        let recorder = KeyframeRecorder()
        let harness = SegmenterHarness(targetSeconds: 1, keyframeTap: recorder)
        harness.publish(try FLVFileReader.tags(of: flv), metadata: StreamMetadata(hasVideo: true, hasAudio: true))
        harness.segmenter.finish()
        return (flv, harness, recorder.keyframes)
    }

    @Test func keyframeBecomesThePictureFFmpegDecodes() throws {
        let (flv, harness, keyframes) = try Self.hdStream()
        let segments = harness.ring.playlistSegments()
        #expect(segments.count == 4)
        // The tap sees exactly the keyframe each segment starts with.
        #expect(keyframes.map(\.segmentStartMilliseconds) == segments.map(\.startMilliseconds))
        #expect(keyframes.allSatisfy { $0.packet.isKeyframe })
        #expect(keyframes.map { $0.packet.presentationTimestamp - keyframes[0].packet.presentationTimestamp } == [0, 1000, 2000, 3000])

        let thumbnailer = Thumbnailer()
        defer { thumbnailer.close() }
        let thumbnail = try thumbnailer.thumbnail(of: keyframes[2])
        #expect((thumbnail.width, thumbnail.height) == (640, 360))
        #expect(thumbnail.segmentStartMilliseconds == segments[2].startMilliseconds)
        #expect(thumbnail.sourceTimestampMilliseconds == keyframes[2].packet.presentationTimestamp)
        let jpeg = try ThumbnailProbe.write(thumbnail, name: "frame60.jpg")
        #expect(try ThumbnailProbe.streamInfo(jpeg) == .init(codec: "mjpeg", width: 640, height: 360))
        #expect(Array(thumbnail.jpeg.readableBytesView.prefix(2)) == [0xFF, 0xD8] && Array(thumbnail.jpeg.readableBytesView.suffix(2)) == [0xFF, 0xD9])

        // Frame 60 as ffmpeg decodes and scales it: same picture, up to JPEG loss.
        let ours = try ThumbnailProbe.rgb(jpeg, width: 640, height: 360)
        let reference = try ThumbnailProbe.referenceFrame(flv, number: 60, width: 640, height: 360)
        let same = ThumbnailProbe.blockDifference(ours, reference, width: 640, height: 360)
        #expect(same.max < 8 && same.mean < 3, "thumbnail differs from ffmpeg's frame 60: \(same)")
        // The comparison tells frames apart: the previous frame and a later one do not pass.
        for other in [59, 75] {
            let otherFrame = try ThumbnailProbe.referenceFrame(flv, number: other, width: 640, height: 360)
            let difference = ThumbnailProbe.blockDifference(ours, otherFrame, width: 640, height: 360)
            #expect(!(difference.max < 8 && difference.mean < 3), "frame \(other) looks like frame 60: \(difference)")
        }
    }

    @Test func decoderIsReusedWhileTheConfigurationStays() throws {
        let (_, _, keyframes) = try Self.hdStream()
        let thumbnailer = Thumbnailer()
        defer { thumbnailer.close() }
        let thumbnails = try keyframes.map { keyframe throws(ThumbnailError) in try thumbnailer.thumbnail(of: keyframe) }
        #expect(thumbnails.count == 4)
        #expect(thumbnailer.counters == .init(decodersOpened: 1, jpegEncodersOpened: 1, thumbnailsMade: 4))
        // Each one is its own picture (the frame counter and the moving parts differ).
        for (previous, next) in zip(thumbnails, thumbnails.dropFirst()) {
            #expect(previous.jpeg != next.jpeg)
            #expect(next.segmentStartMilliseconds == previous.segmentStartMilliseconds + 1000)
        }
    }

    @Test func resolutionChangeMidStreamOpensANewDecoder() throws {
        // 2 s of 320x240, then the encoder switches to 1280x720 in the same publish (a new
        // sequence header), then back: timestamps continue.
        let small = try FLVFileReader.tags(of: TestMedia.flv(seconds: 2, gop: 30))
        let large = try FLVFileReader.tags(of: TestMedia.flv(seconds: 4, gop: 30, size: "1280x720"))
        var tags = small
        for part in [large, small] {
            let shift = (tags.last?.timestamp ?? 0) + 34
            tags += part.filter { $0.type == 8 || $0.type == 9 }.map { tag in
                var shifted = tag
                shifted.timestamp += shift
                return shifted
            }
        }
        let recorder = KeyframeRecorder()
        let harness = SegmenterHarness(targetSeconds: 1, keyframeTap: recorder)
        harness.publish(tags, metadata: StreamMetadata(hasVideo: true, hasAudio: true))
        harness.segmenter.finish()

        let keyframes = recorder.keyframes
        #expect(keyframes.count == harness.ring.playlistSegments().count)
        #expect(Set(keyframes.map(\.decoderConfiguration)).count == 2)
        let thumbnailer = Thumbnailer()
        defer { thumbnailer.close() }
        let sizes = try keyframes.map { keyframe throws(ThumbnailError) in
            let thumbnail = try thumbnailer.thumbnail(of: keyframe)
            return "\(thumbnail.width)x\(thumbnail.height)"
        }
        #expect(sizes == ["320x240", "320x240", "640x360", "640x360", "640x360", "640x360", "320x240", "320x240"])
        // Small → large → small: a decoder (and an encoder) per change, none per segment.
        #expect(thumbnailer.counters.decodersOpened == 3)
        #expect(thumbnailer.counters.jpegEncodersOpened == 3)

        let last = try ThumbnailProbe.write(try thumbnailer.thumbnail(of: keyframes[5]), name: "after-change.jpg")
        #expect(try ThumbnailProbe.streamInfo(last) == .init(codec: "mjpeg", width: 640, height: 360))
    }

    @Test func badInputIsATypedErrorAndTheThumbnailerRecovers() throws {
        let (_, _, keyframes) = try Self.hdStream()
        let good = keyframes[1]
        let thumbnailer = Thumbnailer()
        defer { thumbnailer.close() }

        var notKey = good
        notKey.packet.isKeyframe = false
        #expect(throws: ThumbnailError.notAKeyframe) { try thumbnailer.thumbnail(of: notKey) }

        var noConfiguration = good
        noConfiguration.decoderConfiguration = [1, 2, 3]
        let configurationError = #expect(throws: ThumbnailError.self) { try thumbnailer.thumbnail(of: noConfiguration) }
        #expect(configurationError?.isSameKind(as: .invalidDecoderConfiguration("")) == true, "\(String(describing: configurationError))")

        // The right framing around a garbled SPS and PPS.
        var garbledConfiguration = good
        garbledConfiguration.decoderConfiguration = [1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 4, 0x67, 0xFF, 0xFF, 0xFF, 1, 0, 2, 0x68, 0xFF]
        let garbledError = #expect(throws: ThumbnailError.self) { try thumbnailer.thumbnail(of: garbledConfiguration) }
        // libavcodec takes a bad SPS at open and refuses the picture that needs it.
        #expect(garbledError.map { $0.isSameKind(as: .invalidDecoderConfiguration("")) || $0.isSameKind(as: .decodeFailed("")) } == true,
                "\(String(describing: garbledError))")

        // A keyframe cut short: the NAL length prefix announces more bytes than there are.
        var truncated = good
        truncated.packet.data = good.packet.data.getSlice(at: good.packet.data.readerIndex, length: good.packet.data.readableBytes / 3)!
        let truncatedError = #expect(throws: ThumbnailError.self) { try thumbnailer.thumbnail(of: truncated) }
        #expect(truncatedError?.isSameKind(as: .decodeFailed("")) == true, "\(String(describing: truncatedError))")

        // Well-framed NAL units full of noise.
        var generator = SeededRandom(seed: 7)
        var noise = ByteBuffer()
        for _ in 0..<4 {
            let body = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &generator) }
            noise.writeInteger(UInt32(body.count))
            noise.writeBytes(body)
        }
        var garbage = good
        garbage.packet.data = noise
        let garbageError = #expect(throws: ThumbnailError.self) { try thumbnailer.thumbnail(of: garbage) }
        #expect(garbageError.map { $0.isSameKind(as: .decodeFailed("")) || $0.isSameKind(as: .noPicture) } == true, "\(String(describing: garbageError))")

        // None of that broke the decoder for the next good keyframe.
        let thumbnail = try thumbnailer.thumbnail(of: good)
        #expect(try ThumbnailProbe.streamInfo(ThumbnailProbe.write(thumbnail, name: "recovered.jpg")) == .init(codec: "mjpeg", width: 640, height: 360))

        thumbnailer.close()
        #expect(throws: ThumbnailError.closed) { try thumbnailer.thumbnail(of: good) }
    }

    @Test func sizeKeepsTheDisplayAspectWithinTheWidth() {
        #expect(Thumbnailer.thumbnailSize(width: 1920, height: 1080, sampleAspect: (1, 1), maxWidth: 640) == (640, 360))
        #expect(Thumbnailer.thumbnailSize(width: 320, height: 240, sampleAspect: (0, 1), maxWidth: 640) == (320, 240))
        // Anamorphic HDV: 1440x1080 stored, 16:9 shown.
        #expect(Thumbnailer.thumbnailSize(width: 1440, height: 1080, sampleAspect: (4, 3), maxWidth: 640) == (640, 360))
        #expect(Thumbnailer.thumbnailSize(width: 853, height: 480, sampleAspect: (1, 1), maxWidth: 640) == (640, 360))
        #expect(Thumbnailer.thumbnailSize(width: 1080, height: 1920, sampleAspect: (1, 1), maxWidth: 640) == (640, 1138))
        #expect(Thumbnailer.thumbnailSize(width: 4000, height: 2, sampleAspect: (1, 1), maxWidth: 640) == (640, 2))
    }
}

import AliveTestSupport
import Foundation
import NIOCore
import Testing
@testable import AliveMedia

@Suite(.serialized) struct SegmenterTests {
    @Test func cutsAtKeyframesWithExactDurations() throws {
        let flv = try TestMedia.flv(seconds: 12, gop: 30)
        let harness = SegmenterHarness(targetSeconds: 2)
        harness.publish(try FLVFileReader.tags(of: flv), metadata: StreamMetadata(hasVideo: true, hasAudio: true))
        harness.segmenter.finish()

        let segments = harness.ring.playlistSegments()
        #expect(segments.count == 6)
        #expect(segments.map(\.sequence) == Array(0..<6))
        for segment in segments.dropLast() { #expect(segment.durationMilliseconds == 2000) }
        let total = segments.reduce(0) { $0 + $1.durationMilliseconds }
        #expect(abs(total - 12_000) <= 34 * Int64(segments.count), "total \(total) ms")
        #expect(segments.allSatisfy { !$0.discontinuity && $0.hasAudio && $0.hasVideo })

        let directory = TestScratch.directory("segmenter")
        let playlist = try SegmentProbe.dump(harness.ring, segments: segments, to: directory, targetSeconds: 2)
        for segment in segments {
            let packets = try SegmentProbe.packets(directory.appendingPathComponent("\(segment.sequence).ts"))
            let firstVideo = try #require(packets.first { $0.isVideo })
            #expect(firstVideo.isKeyframe, "segment \(segment.sequence) does not start with a keyframe")
        }
        let packets = try SegmentProbe.packets(playlist)
        let video = packets.filter(\.isVideo)
        #expect(video.count == 360)
        // Continuous timestamps across segment boundaries: one frame apart, no jump.
        for (previous, next) in zip(video, video.dropFirst()) {
            #expect(abs(next.dts - previous.dts - 1.0 / 30) < 0.002, "dts jump \(previous.dts) -> \(next.dts)")
        }
        let decoded = try SegmentProbe.decode(playlist)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        #expect(decoded.videoFrames == 360)
    }

    @Test func tenSecondTargetByDefault() throws {
        let flv = try TestMedia.flv(seconds: 21, gop: 60)
        let harness = SegmenterHarness(targetSeconds: 10)
        harness.publish(try FLVFileReader.tags(of: flv), metadata: nil)   // no metadata: tracks discovered
        harness.segmenter.finish()
        let segments = harness.ring.playlistSegments()
        #expect(segments.map(\.durationMilliseconds).prefix(2) == [10_000, 10_000])
        #expect(segments.count == 3)
        #expect(segments.allSatisfy { $0.durationMilliseconds <= 10_000 && $0.hasAudio })
        #expect(LivePlaylist.render(segments: segments, targetDurationSeconds: 10).contains("#EXT-X-TARGETDURATION:10\n"))
    }

    @Test func audioOnlyAndVideoOnly() throws {
        let audioOnly = try TestMedia.flv(seconds: 6, audio: true, video: false)
        let audioHarness = SegmenterHarness(targetSeconds: 2)
        audioHarness.publish(try FLVFileReader.tags(of: audioOnly), metadata: StreamMetadata(hasVideo: false, hasAudio: true))
        audioHarness.segmenter.finish()
        let audioSegments = audioHarness.ring.playlistSegments()
        #expect(audioSegments.count == 3)
        #expect(audioSegments.allSatisfy { $0.hasAudio && !$0.hasVideo })
        let total = audioSegments.reduce(0) { $0 + $1.durationMilliseconds }
        #expect(abs(total - 6000) <= 50, "audio total \(total)")
        let audioDirectory = TestScratch.directory("audio-only")
        let audioPackets = try SegmentProbe.packets(SegmentProbe.dump(audioHarness.ring, segments: audioSegments, to: audioDirectory, targetSeconds: 2))
        #expect(audioPackets.count > 250 && audioPackets.allSatisfy { !$0.isVideo })

        let videoOnly = try TestMedia.flv(seconds: 6, audio: false, video: true)
        let videoHarness = SegmenterHarness(targetSeconds: 2)
        videoHarness.publish(try FLVFileReader.tags(of: videoOnly), metadata: nil)
        videoHarness.segmenter.finish()
        let videoSegments = videoHarness.ring.playlistSegments()
        #expect(videoSegments.count == 3)
        #expect(videoSegments.allSatisfy { $0.hasVideo && !$0.hasAudio })
        let videoDirectory = TestScratch.directory("video-only")
        let decoded = try SegmentProbe.decode(SegmentProbe.dump(videoHarness.ring, segments: videoSegments, to: videoDirectory, targetSeconds: 2))
        #expect(decoded.errors.isEmpty && decoded.videoFrames == 180)
    }

    @Test func waitingForTrackConfigurationHoldsAtMostTheByteCap() {
        let harness = SegmenterHarness(targetSeconds: 2)
        let segmenter = harness.segmenter
        let cap = Segmenter.Configuration(targetDurationSeconds: 2).trackDiscoveryBytes
        segmenter.handle(.publishStarted)
        // Metadata promises audio and video; neither configuration ever comes. Large packets
        // with one timestamp pass neither the time nor the packet-count bound: only bytes.
        segmenter.handle(.metadata(StreamMetadata(hasVideo: true, hasAudio: true)))
        let packetBytes = cap / 4
        var highest = 0
        for _ in 0..<12 {
            segmenter.handle(.video(MediaPacket(decodeTimestamp: 0, isKeyframe: true, data: ByteBuffer(repeating: 0, count: packetBytes))))
            highest = max(highest, segmenter.discoveryBufferedBytes)
        }
        #expect(highest < cap, "the discovery buffer reached \(highest) bytes (cap \(cap))")
        #expect(segmenter.counters.framesDropped == 12, "released at the cap (no decoder configuration: dropped, counted)")
    }

    @Test func reconnectContinuesTimelineWithOneDiscontinuity() throws {
        let tags = try FLVFileReader.tags(of: TestMedia.flv(seconds: 4, gop: 30))
        let harness = SegmenterHarness(targetSeconds: 2)
        harness.publish(tags, metadata: StreamMetadata(hasVideo: true, hasAudio: true))
        harness.publish(tags, metadata: StreamMetadata(hasVideo: true, hasAudio: true))
        harness.segmenter.finish()
        let segments = harness.ring.playlistSegments()
        #expect(segments.map(\.sequence) == [0, 1, 2, 3])
        #expect(segments.map(\.discontinuity) == [false, false, true, false])
        // The second publish starts where the first ended on the output timeline.
        #expect(segments[2].startMilliseconds == segments[1].startMilliseconds + segments[1].durationMilliseconds)

        let playlist = LivePlaylist.render(segments: segments, targetDurationSeconds: 2)
        #expect(playlist.components(separatedBy: "#EXT-X-DISCONTINUITY\n").count == 2)
        let directory = TestScratch.directory("reconnect")
        let url = try SegmentProbe.dump(harness.ring, segments: segments, to: directory, targetSeconds: 2)
        let video = try SegmentProbe.packets(url).filter(\.isVideo)
        #expect(video.count == 240)
        #expect(zip(video, video.dropFirst()).allSatisfy { $1.dts > $0.dts })
    }

    @Test func unsupportedCodecsAreNamed() throws {
        let file = TestMedia.directory.appendingPathComponent("h263-mp3.flv")
        try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=1",
            "-f", "lavfi", "-i", "sine=duration=1:sample_rate=44100",
            "-c:v", "flv1", "-c:a", "libmp3lame", "-f", "flv", file.path])
        let mapper = FLVMediaMapper()
        var reasons: Set<String> = []
        for tag in try FLVFileReader.tags(of: file) {
            let outcome = tag.type == 9 ? mapper.video(timestamp: tag.timestamp, payload: ByteBuffer(bytes: tag.body))
                : tag.type == 8 ? mapper.audio(timestamp: tag.timestamp, payload: ByteBuffer(bytes: tag.body)) : .skip
            if case .unsupported(let reason) = outcome { reasons.insert(reason) }
        }
        #expect(reasons == ["video codec Sorenson H.263 is not supported; send H.264", "audio codec MP3 is not supported; send AAC"])
        #expect({ if case .unsupported(let r) = mapper.video(timestamp: 0, payload: ByteBuffer(bytes: [0x90] + Array("hvc1".utf8))) { return r.contains("hvc1") }; return false }())
    }
}

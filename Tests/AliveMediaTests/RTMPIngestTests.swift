import AliveTestSupport
import Foundation
import NIOCore
import Testing
@testable import AliveMedia

/// The RTMP server against the real publisher (ffmpeg's CLI) and the real player (ffprobe).
@Suite(.serialized) struct RTMPIngestTests {
    @Test func ffmpegPublishBecomesSegmentsFfprobeCanPlay() async throws {
        let harness = IngestHarness(targetSeconds: 2)
        try await harness.start()
        let result = try harness.publish(seconds: 12).wait(timeout: 120)
        #expect(result.status == 0, "ffmpeg failed: \(result.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()

        let segments = harness.ring.playlistSegments()
        #expect(segments.count == 6)
        for segment in segments.dropLast() { #expect(segment.durationMilliseconds == 2000) }
        let total = segments.reduce(0) { $0 + $1.durationMilliseconds }
        #expect(abs(total - 12_000) <= 34 * Int64(segments.count), "durations add up to \(total) ms")

        let directory = TestScratch.directory("rtmp-publish")
        let playlist = try SegmentProbe.dump(harness.ring, segments: segments, to: directory, targetSeconds: 2)
        for segment in segments {
            let packets = try SegmentProbe.packets(directory.appendingPathComponent("\(segment.sequence).ts"))
            #expect(packets.first { $0.isVideo }?.isKeyframe == true, "segment \(segment.sequence) starts without a keyframe")
        }
        let video = try SegmentProbe.packets(playlist).filter(\.isVideo)
        #expect(video.count == 360)
        for (previous, next) in zip(video, video.dropFirst()) {
            #expect(abs(next.dts - previous.dts - 1.0 / 30) < 0.002, "timestamp jump \(previous.dts) -> \(next.dts)")
        }
        let decoded = try SegmentProbe.decode(playlist)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let status = harness.coordinator.status
        #expect(status.publishesAccepted == 1)
        #expect(status.videoCodec?.hasPrefix("H.264") == true)
        #expect(status.audioCodec == "AAC-LC 44100 Hz 1 ch")
        #expect(status.metadata?.width == 320)
    }

    @Test func wrongKeyAndWrongAppAreRefusedBeforeAnyMedia() async throws {
        let harness = IngestHarness()
        try await harness.start()
        let wrongKey = try harness.publish(seconds: 3, key: "not-the-key").wait(timeout: 60)
        #expect(wrongKey.status != 0)
        #expect(wrongKey.stderr.contains("Stream key not accepted") || wrongKey.stderr.contains("NetStream.Publish.BadName"), "\(wrongKey.stderr)")
        let wrongApp = try harness.publish(seconds: 3, app: "other").wait(timeout: 60)
        #expect(wrongApp.status != 0)
        #expect(wrongApp.stderr.contains("NetConnection.Connect.Rejected") || wrongApp.stderr.contains("Unknown application"), "\(wrongApp.stderr)")
        await harness.stop()
        #expect(harness.ring.statistics.segmentsClosed == 0)
        let counters = await harness.pipeline.counters()
        #expect(counters.bytesIn == 0 && counters.videoFrames == 0)
        #expect(harness.coordinator.status.publishesRefused == 1)
        #expect(harness.coordinator.status.publishesAccepted == 0)
    }

    @Test func secondPublisherIsRefusedWhileTheFirstKeepsStreaming() async throws {
        let harness = IngestHarness()
        try await harness.start()
        let first = try harness.publish(seconds: 6, realtime: true)
        try await harness.waitUntil("first publisher live") { harness.coordinator.status.state == .publishing }
        let second = try harness.publish(seconds: 2).wait(timeout: 60)
        #expect(second.status != 0)
        #expect(second.stderr.contains("Another encoder is already publishing"), "\(second.stderr)")
        let firstResult = try first.wait(timeout: 60)
        #expect(firstResult.status == 0, "first publisher was disturbed: \(firstResult.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()
        let total = harness.ring.playlistSegments().reduce(0) { $0 + $1.durationMilliseconds }
        #expect(abs(total - 6000) <= 100, "first stream incomplete: \(total) ms")
        #expect(harness.coordinator.status.publishesRefused == 1)
    }

    @Test func reconnectContinuesNumberingWithOneDiscontinuity() async throws {
        let harness = IngestHarness()
        try await harness.start()
        for _ in 0..<2 {
            let result = try harness.publish(seconds: 4).wait(timeout: 60)
            #expect(result.status == 0, "\(result.stderr)")
            try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        }
        await harness.stop()
        let segments = harness.ring.playlistSegments()
        #expect(segments.map(\.sequence) == [0, 1, 2, 3])
        #expect(segments.map(\.discontinuity) == [false, false, true, false])
        let playlist = LivePlaylist.render(segments: segments, targetDurationSeconds: 2)
        #expect(playlist.components(separatedBy: "#EXT-X-DISCONTINUITY\n").count == 2)
    }

    @Test func audioOnlyAndVideoOnlyPublishes() async throws {
        let harness = IngestHarness()
        try await harness.start()
        let audioOnly = try harness.publish(seconds: 4, video: false).wait(timeout: 60)
        #expect(audioOnly.status == 0, "\(audioOnly.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.drain()
        let audioSegments = harness.ring.playlistSegments()
        #expect(audioSegments.count == 2 && audioSegments.allSatisfy { $0.hasAudio && !$0.hasVideo })

        let videoOnly = try harness.publish(seconds: 4, audio: false).wait(timeout: 60)
        #expect(videoOnly.status == 0, "\(videoOnly.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()
        let videoSegments = harness.ring.playlistSegments().filter { $0.sequence >= 2 }
        #expect(videoSegments.count == 2 && videoSegments.allSatisfy { $0.hasVideo && !$0.hasAudio })
    }

    @Test func unsupportedCodecIsRefusedWithAClearStatus() async throws {
        let harness = IngestHarness()
        try await harness.start()
        let result = try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=3", "-c:v", "flv1", "-f", "flv", harness.url()], timeout: 60)
        #expect(result.status != 0)
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()
        #expect(harness.ring.statistics.segmentsClosed == 0)
        #expect(harness.coordinator.status.lastError?.contains("video codec Sorenson H.263 is not supported; send H.264") == true,
                "\(harness.coordinator.status.lastError ?? "no error")")
    }

    @Test func longAcceleratedPushNeverTakesASmallRingOverBudget() async throws {
        // 1 MiB for 2-second segments of ~100 KiB with a 6-segment window: the ring must evict
        // (and drop needed segments) all along.
        let harness = IngestHarness(targetSeconds: 2, ringBytes: 1 << 20, window: 6)
        try await harness.start()
        let events = harness.ring.subscribe()
        let collector = Task {
            var closed = 0, dropped = 0
            for await event in events {
                if case .closed = event { closed += 1 } else { dropped += 1 }
            }
            return (closed, dropped)
        }
        let result = try harness.publish(seconds: 120, gop: 30).wait(timeout: 180)
        #expect(result.status == 0, "\(result.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()
        harness.ring.finishSubscribers()
        let (closed, dropped) = await collector.value
        let stats = harness.ring.statistics
        #expect(stats.budgetBytes == 1 << 20)
        #expect(stats.peakBytesInUse <= stats.budgetBytes)
        #expect(stats.bytesInUse <= stats.budgetBytes)
        #expect(stats.segmentsClosed == 60)
        #expect(closed == 60)
        #expect(stats.segmentsDropped > 0 && UInt64(dropped) == stats.segmentsDropped)
        #expect(stats.segmentCount * 64 * 1024 <= stats.budgetBytes)
        // The newest segments are all still there and playable.
        let newest = harness.ring.playlistSegments()
        #expect(newest.last?.sequence == 59)
    }
}

import AliveTestSupport
import Dispatch
import Foundation
import Logging
import NIOCore
import Testing
@testable import AliveMedia

/// The thumbnail service behind the segmenter's tap: its own queue, latest-only hand-off,
/// failures counted, the media path untouched.
@Suite(.serialized) struct ThumbnailServiceTests {
    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }

    /// Bounded wait for a condition on the service (it works on its own queue).
    static func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ExternalProcess.Failure(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Holds the service's queue until `release()`: what a slow thumbnail looks like to the segmenter.
    final class QueueGate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        init(blocking queue: DispatchQueue) {
            queue.async { [semaphore] in _ = semaphore.wait(timeout: .now() + 60) }
        }
        func release() { semaphore.signal() }
    }

    @Test func segmenterNeverWaitsAndOnlyTheLatestKeyframeIsKept() async throws {
        let tags = try FLVFileReader.tags(of: TestMedia.flv(seconds: 12, gop: 30))
        let service = ThumbnailService(logger: Self.logger)
        let gate = QueueGate(blocking: service.queue)
        let ring = SegmentRing(configuration: .init(budgetBytes: 64 << 20, playlistWindow: 100))
        let segmenter = Segmenter(configuration: .init(targetDurationSeconds: 2), ring: ring, logger: Self.logger, keyframeTap: service)
        let pipeline = SegmenterPipeline(segmenter: segmenter)
        let mapper = FLVMediaMapper()
        pipeline.submit(.publishStarted)
        pipeline.submit(.metadata(StreamMetadata(hasVideo: true, hasAudio: true)))
        for tag in tags {
            let outcome = tag.type == 9 ? mapper.video(timestamp: tag.timestamp, payload: ByteBuffer(bytes: tag.body))
                : tag.type == 8 ? mapper.audio(timestamp: tag.timestamp, payload: ByteBuffer(bytes: tag.body)) : .skip
            if case .input(let input) = outcome { pipeline.submit(input) }
        }
        pipeline.submit(.publishEnded)
        // The whole stream is segmented while the thumbnail queue cannot run at all: the
        // work is not on the segmenter's queue and the segmenter does not wait for it.
        await pipeline.finish()
        let segments = ring.playlistSegments()
        #expect(segments.count == 6)
        var counters = service.counters
        #expect(counters.keyframesReceived == 6)
        #expect(counters.keyframesReplaced == 5)   // one waits, each newer one replaces it
        #expect(counters.thumbnailsMade == 0 && service.latestThumbnail() == nil)

        gate.release()
        try await Self.waitUntil("the waiting keyframe to become a thumbnail") { service.counters.thumbnailsMade == 1 }
        try await Task.sleep(for: .milliseconds(100))
        counters = service.counters
        #expect(counters.thumbnailsMade == 1 && counters.failures == 0, "\(counters)")
        let thumbnail = try #require(service.latestThumbnail())
        #expect(thumbnail.segmentStartMilliseconds == segments.last?.startMilliseconds)
        #expect((thumbnail.width, thumbnail.height) == (320, 240))
        await service.close()
    }

    @Test func failuresAreCountedAndTheLastGoodThumbnailStays() async throws {
        let recorder = KeyframeRecorder()
        let harness = SegmenterHarness(targetSeconds: 2, keyframeTap: recorder)
        harness.publish(try FLVFileReader.tags(of: TestMedia.flv(seconds: 6, gop: 30)), metadata: nil)
        harness.segmenter.finish()
        let keyframes = recorder.keyframes
        #expect(keyframes.count == 3)

        let service = ThumbnailService(logger: Self.logger)
        service.segmentStarted(with: keyframes[0])
        try await Self.waitUntil("the first thumbnail") { service.counters.thumbnailsMade == 1 }
        let first = try #require(service.latestThumbnail())

        var broken = keyframes[1]
        broken.packet.data = broken.packet.data.getSlice(at: broken.packet.data.readerIndex, length: 100)!
        service.segmentStarted(with: broken)
        try await Self.waitUntil("the broken keyframe to fail") { service.counters.failures == 1 }
        var counters = service.counters
        #expect(counters.lastError?.hasPrefix("the keyframe did not decode") == true, "\(counters)")
        // Nothing already made is lost: the previous picture stays until a good one replaces it.
        #expect(service.latestThumbnail()?.segmentStartMilliseconds == first.segmentStartMilliseconds)
        #expect(service.latestThumbnail()?.jpeg == first.jpeg)

        service.segmentStarted(with: keyframes[2])
        try await Self.waitUntil("the next thumbnail") { service.counters.thumbnailsMade == 2 }
        counters = service.counters
        #expect(service.latestThumbnail()?.segmentStartMilliseconds == keyframes[2].segmentStartMilliseconds)
        #expect(counters.failures == 1 && counters.lastError != nil)
        // Contexts are freed between keyframes (memory), so each keyframe opened its decoder.
        #expect(counters.decodersOpened == 3, "\(counters)")

        // Closed: keyframes are ignored, the last picture can still be read.
        await service.close()
        service.segmentStarted(with: keyframes[0])
        #expect(service.counters.keyframesReceived == 3)
        #expect(service.latestThumbnail()?.segmentStartMilliseconds == keyframes[2].segmentStartMilliseconds)
        await service.close()
    }

    @Test func mediaPathIsUnaffectedByTheTap() async throws {
        let tags = try FLVFileReader.tags(of: TestMedia.flv(seconds: 12, gop: 30))
        let service = ThumbnailService(logger: Self.logger)
        let tapped = SegmenterHarness(targetSeconds: 2, keyframeTap: service)
        let plain = SegmenterHarness(targetSeconds: 2)
        for harness in [tapped, plain] {
            harness.publish(tags, metadata: StreamMetadata(hasVideo: true, hasAudio: true))
            harness.segmenter.finish()
        }
        #expect(tapped.segmenter.counters == plain.segmenter.counters)
        let tappedSegments = tapped.ring.playlistSegments(), plainSegments = plain.ring.playlistSegments()
        #expect(tappedSegments.count == 6 && plainSegments.count == 6)
        for (a, b) in zip(tappedSegments, plainSegments) {
            #expect(a.durationMilliseconds == b.durationMilliseconds && a.startMilliseconds == b.startMilliseconds)
            #expect(tapped.ring.lease(a.sequence)?.bytes() == plain.ring.lease(b.sequence)?.bytes(), "segment \(a.sequence) differs")
        }
        try await Self.waitUntil("the thumbnail of the last segment") {
            service.latestThumbnail()?.segmentStartMilliseconds == tappedSegments.last?.startMilliseconds
        }
        await service.close()
    }
}

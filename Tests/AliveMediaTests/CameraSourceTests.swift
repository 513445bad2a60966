import AliveTestSupport
import CFFmpeg
import Foundation
import Logging
import NIOCore
import Testing
@testable import AliveMedia

/// The camera source through libavdevice's lavfi input (no hardware here) into the real
/// segmenter and ring, the v4l2 path as far as a machine without a camera allows.
@Suite(.serialized) struct CameraSourceTests {
    static func lavfiConfiguration(segmentSeconds: Int = 2) -> CameraConfiguration {
        var configuration = CameraConfiguration()
        configuration.inputFormat = .lavfi
        configuration.device = "testsrc2"
        configuration.width = 1280
        configuration.height = 720
        configuration.framesPerSecond = 30
        configuration.bitrateKbps = 2500
        configuration.keyframeIntervalFrames = 30 * segmentSeconds
        configuration.audioInputFormat = .lavfi
        configuration.audioDevice = "sine=frequency=440"
        configuration.audioSampleRate = 48_000
        configuration.retrySeconds = 1
        return configuration
    }

    struct Box {
        let ring = SegmentRing(configuration: .init(budgetBytes: 64 << 20, playlistWindow: 1000))
        let pipeline: SegmenterPipeline
        let coordinator = IngestCoordinator(app: "live", streamKey: "unused-key")
        let source: CameraSource

        init(_ configuration: CameraConfiguration, segmentSeconds: Int = 2) {
            var logger = Logger(label: "camera-test")
            logger.logLevel = .warning
            pipeline = SegmenterPipeline(segmenter: Segmenter(configuration: .init(targetDurationSeconds: segmentSeconds), ring: ring, logger: logger))
            source = CameraSource(configuration: configuration, pipeline: pipeline, coordinator: coordinator, logger: logger)
        }

        /// Starts the source, waits (bounded) for `condition`, then stops the source and the
        /// pipeline whatever happened; returns the source's status when the condition held.
        func run(until what: String, timeout: Double, _ condition: () -> Bool) async throws -> CameraStatus {
            source.start()
            do {
                try CameraSourceTests.waitFor(what, timeout: timeout, condition)
            } catch {
                await source.stopAndWait()
                await pipeline.finish()
                throw error
            }
            let status = source.status
            await source.stopAndWait()
            await pipeline.finish()
            return status
        }
    }

    static func waitFor(_ what: String, timeout: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline { throw ExternalProcess.Failure(description: "timed out after \(timeout) s waiting for: \(what)") }
            usleep(50_000)
        }
    }

    @Test func testPatternBecomesExactSegmentsThatDecode() async throws {
        let box = Box(Self.lavfiConfiguration())
        // ~20 s of 720p30 in real time: ten 2-second segments. ALIVED_CAMERA_TEST_SECONDS=120
        // runs the long variant (by hand, not in CI).
        let seconds = ProcessInfo.processInfo.environment["ALIVED_CAMERA_TEST_SECONDS"].flatMap { Int($0) } ?? 20
        let wanted = UInt64(max(seconds / 2 - 1, 2))
        let status = try await box.run(until: "\(wanted) closed segments", timeout: Double(seconds) * 2 + 30) {
            box.ring.statistics.segmentsClosed >= wanted
        }

        // Encoder fallback: no V4L2 memory-to-memory encoder here, libx264 is used and status says why.
        #expect(status.encoder == "libx264")
        #expect(status.encoderNote?.contains("h264_v4l2m2m") == true, "\(status.encoderNote ?? "nil")")
        #expect(status.state == .capturing && status.sessions == 1 && status.lastError == nil)
        #expect(status.captureFormat == "rawvideo yuv420p")
        #expect(box.source.status.state == .stopped)
        let ingest = box.coordinator.status
        #expect(ingest.videoCodec?.hasPrefix("H.264") == true && ingest.audioCodec == "AAC-LC 48000 Hz 1 ch", "\(ingest)")

        let segments = box.ring.playlistSegments()
        #expect(segments.count >= Int(wanted))
        // Every segment but the last (closed at shutdown) is exactly the target.
        for segment in segments.dropLast() { #expect(segment.durationMilliseconds == 2000, "segment \(segment.sequence): \(segment.durationMilliseconds) ms") }
        #expect(segments.allSatisfy { $0.hasVideo && $0.hasAudio && !$0.discontinuity })

        let directory = TestScratch.directory("camera-lavfi")
        let playlist = try SegmentProbe.dump(box.ring, segments: segments, to: directory, targetSeconds: 2)
        let video = try SegmentProbe.packets(playlist).filter(\.isVideo)
        let keyframes = video.enumerated().filter { $0.element.isKeyframe }.map(\.offset)
        // Frames the encoder could not keep up with are dropped before it, counted (a busy
        // 2-core CI machine does drop a few): every step between two frames is a whole number
        // of frame times, and the frames missing are exactly the ones the status counts.
        var missing: UInt64 = 0
        for (previous, next) in zip(video, video.dropFirst()) {
            let frames = (next.dts - previous.dts) * 30
            if frames < 0.95 || abs(frames - frames.rounded()) > 0.06 {
                Issue.record("dts jump \(previous.dts) -> \(next.dts)")
                break
            }
            missing += UInt64(frames.rounded()) - 1
        }
        // (Between the count read while capturing and the one after the stop: frames dropped
        // at the stop, or as the queue closed, follow the last frame and leave no hole.)
        let droppedAtEnd = box.source.status.framesDropped
        #expect(missing >= status.framesDropped && missing <= droppedAtEnd,
                "\(missing) frames missing, \(status.framesDropped)…\(droppedAtEnd) counted as dropped")
        // Keyframes on the 2-second grid, each segment starts with one: every 60 frames when
        // none was dropped, at whole multiples of 2 s of the first one's time in any case.
        #expect(keyframes.count == segments.count, "keyframes at \(keyframes)")
        let keyframeTimes = keyframes.map { video[$0].dts - video[keyframes[0]].dts }
        #expect(keyframeTimes.enumerated().allSatisfy { abs($1 - Double($0) * 2) < 0.02 }, "keyframes at \(keyframeTimes) s")
        if status.framesDropped == 0 {
            #expect(zip(keyframes, keyframes.dropFirst()).allSatisfy { $1 - $0 == 60 }, "keyframes at \(keyframes)")
        }
        let decoded = try SegmentProbe.decode(playlist)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        #expect(decoded.videoFrames == video.count)
    }

    @Test func missingDeviceIsReportedAndRetried() async throws {
        var configuration = CameraConfiguration()
        configuration.device = "/dev/video99"
        configuration.retrySeconds = 1
        let box = Box(configuration)
        box.source.start()
        try Self.waitFor("a retried failure", timeout: 10) {
            box.source.status.lastErrorAt.map { Date().timeIntervalSince($0) < 5 } == true && box.source.status.state == .retrying
        }
        let first = try #require(box.source.status.lastErrorAt)
        try Self.waitFor("the retry", timeout: 10) { (box.source.status.lastErrorAt ?? first) > first }
        let status = box.source.status
        await box.source.stopAndWait()
        await box.pipeline.finish()
        #expect(status.lastError?.hasPrefix("camera device /dev/video99 cannot be opened: ") == true, "\(status.lastError ?? "nil")")
        #expect(status.sessions == 0 && status.framesCaptured == 0)
        #expect(box.coordinator.status.lastError == status.lastError)
        #expect(box.coordinator.status.state == .idle)
        #expect(box.source.status.state == .stopped)
    }

    /// A source that stops mid-stream (a lavfi pattern that ends, as an unplugged camera
    /// does) is retried; the resumed capture is a new publish and the playlist marks the join.
    @Test func lostDeviceResumesWithADiscontinuity() async throws {
        var configuration = Self.lavfiConfiguration()
        configuration.device = "testsrc2=size=320x240:rate=30:duration=3"
        configuration.width = 320
        configuration.height = 240
        configuration.audioDevice = nil
        let box = Box(configuration)
        let status = try await box.run(until: "a second session with a segment", timeout: 30) {
            box.source.status.sessions >= 2 && box.ring.playlistSegments().contains { $0.discontinuity }
        }
        #expect(status.lastError == "camera device testsrc2=size=320x240:rate=30:duration=3 stopped delivering: end of input", "\(status.lastError ?? "nil")")
        let segments = box.ring.playlistSegments()
        // First session: 2 s + 1 s; the second starts with the join.
        #expect(segments.prefix(3).map(\.discontinuity) == [false, false, true], "\(segments.map(\.discontinuity))")
        #expect(segments.first?.durationMilliseconds == 2000)
        #expect(segments[2].startMilliseconds == segments[1].startMilliseconds + segments[1].durationMilliseconds)
        let directory = TestScratch.directory("camera-resume")
        let decoded = try SegmentProbe.decode(SegmentProbe.dump(box.ring, segments: segments, to: directory, targetSeconds: 2))
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
    }

    /// A capture format the encoder does not take (YUYV, as many USB cameras give) is
    /// converted by libswscale; 4:2:0 input is not.
    @Test func packedYUVIsConvertedForTheEncoder() async throws {
        var configuration = Self.lavfiConfiguration()
        configuration.device = "testsrc2=size=320x240:rate=30,format=yuyv422"
        configuration.width = 320
        configuration.height = 240
        configuration.audioDevice = nil
        let box = Box(configuration)
        let status = try await box.run(until: "a closed segment", timeout: 30) { box.ring.statistics.segmentsClosed >= 1 }
        #expect(status.captureFormat == "rawvideo yuyv422" && status.encoder == "libx264", "\(status)")
        let segments = box.ring.playlistSegments()
        #expect(segments.first?.durationMilliseconds == 2000)
        let directory = TestScratch.directory("camera-yuyv")
        let decoded = try SegmentProbe.decode(SegmentProbe.dump(box.ring, segments: segments, to: directory, targetSeconds: 2))
        #expect(decoded.errors.isEmpty && decoded.videoFrames >= 60, "\(decoded)")
    }

    @Test func v4l2ArgumentsCarrySizeRateAndFormat() {
        var configuration = CameraConfiguration()
        configuration.device = "/dev/video2"
        configuration.width = 1920
        configuration.height = 1080
        configuration.framesPerSecond = 25
        var arguments = CaptureArguments.video(configuration)
        #expect(arguments == CaptureArguments(format: "v4l2", url: "/dev/video2", options: [("video_size", "1920x1080"), ("framerate", "25")]))
        configuration.pixelFormat = "mjpeg"
        arguments = CaptureArguments.video(configuration)
        #expect(arguments.options.last! == ("input_format", "mjpeg"))
        configuration.pixelFormat = "h264"
        #expect(CaptureArguments.video(configuration).options.last! == ("input_format", "h264"))
        configuration.pixelFormat = "yuyv422"
        #expect(CaptureArguments.video(configuration).options.last! == ("pixel_format", "yuyv422"))
        #expect(CaptureArguments.audio(configuration) == nil)
        configuration.audioDevice = "hw:1,0"
        configuration.audioChannels = 1
        #expect(CaptureArguments.audio(configuration) == CaptureArguments(format: "alsa", url: "hw:1,0", options: [("sample_rate", "48000"), ("channels", "1")]))

        configuration.inputFormat = .lavfi
        configuration.device = "testsrc2"
        #expect(CaptureArguments.video(configuration) == CaptureArguments(format: "lavfi", url: "testsrc2=size=1920x1080:rate=25", options: []))
        configuration.device = "smptebars=size=640x360:rate=10"
        #expect(CaptureArguments.video(configuration).url == "smptebars=size=640x360:rate=10")
        configuration.audioInputFormat = .lavfi
        configuration.audioDevice = "sine"
        #expect(CaptureArguments.audio(configuration)?.url == "sine=sample_rate=48000")
        configuration.audioDevice = "sine=frequency=1000"
        #expect(CaptureArguments.audio(configuration)?.url == "sine=frequency=1000:sample_rate=48000")
        configuration.audioDevice = "sine=sample_rate=44100"
        #expect(CaptureArguments.audio(configuration)?.url == "sine=sample_rate=44100")
    }

    @Test func encoderFallbackKeepsTheReason() throws {
        #expect(EncoderSelection.candidates(for: .auto) == ["h264_v4l2m2m", "libx264"])
        let (name, passedOver) = try EncoderSelection.open(.auto) { name -> String in
            if name == "h264_v4l2m2m" { throw CameraError.encoderUnavailable("no device") }
            return name
        }
        #expect(name == "libx264" && passedOver == ["h264_v4l2m2m: no H.264 encoder available: no device"])
        #expect(throws: CameraError.self) { try EncoderSelection.open(.h264_v4l2m2m) { _ -> String in throw CameraError.encoderUnavailable("no device") } }
    }

    @Test func annexBBecomesLengthPrefixedWithADecoderRecord() {
        let sps: [UInt8] = [0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9]
        let pps: [UInt8] = [0x68, 0xEB, 0xE3, 0xCB]
        let idr: [UInt8] = [0x65, 0x88, 0x84, 0x00]
        let stream: [UInt8] = [0, 0, 0, 1, 0x09, 0xF0] + [0, 0, 0, 1] + sps + [0, 0, 1] + pps + [0, 0, 0, 1] + idr
        #expect(AnnexB.nalUnits(stream) == [[0x09, 0xF0], sps, pps, idr])
        var converter = H264StreamConverter()
        let inputs = stream.withUnsafeBytes { converter.convert(annexB: $0, decodeTimestamp: 40, presentationTimestamp: 40, keyframeFlag: false) }
        #expect(inputs.count == 2)
        guard case .videoConfiguration(let record) = inputs.first, case .video(let packet) = inputs.last else {
            Issue.record("expected configuration then video")
            return
        }
        #expect(Array(record.readableBytesView) == [1, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0, 6] + sps + [1, 0, 4] + pps)
        #expect(packet.isKeyframe && packet.decodeTimestamp == 40)
        #expect(Array(packet.data.readableBytesView) == [0, 0, 0, 6] + sps + [0, 0, 0, 4] + pps + [0, 0, 0, 4] + idr)
        // A non-keyframe before any keyframe (or after a gap) is skipped.
        var fresh = H264StreamConverter()
        let slice: [UInt8] = [0, 0, 1, 0x41, 0x9A]
        #expect(slice.withUnsafeBytes { fresh.convert(annexB: $0, decodeTimestamp: 0, presentationTimestamp: 0, keyframeFlag: false) }.isEmpty)
    }

    @Test func fullQueueDropsAndCounts() throws {
        let queue = FrameQueue(depth: 2)
        func frame(_ ms: Int64) throws -> CapturedPacket {
            let packet = av_packet_alloc()!
            defer { var p: UnsafeMutablePointer<AVPacket>? = packet; av_packet_free(&p) }
            return try CapturedPacket(moving: packet, timestampMilliseconds: ms)
        }
        let first = try frame(0), second = try frame(33), third = try frame(66), fourth = try frame(100)
        #expect(queue.push(first))
        #expect(queue.push(second))
        #expect(!queue.push(third))
        #expect(!queue.push(fourth))
        #expect(queue.dropped == 2 && queue.count == 2)
        queue.pop(timeout: 1)?.close()
        let fifth = try frame(133)
        #expect(queue.push(fifth))
        queue.pop(timeout: 1)?.close()
        let after = try #require(queue.pop(timeout: 1))
        #expect(after.timestampMilliseconds == 133 && after.droppedBefore == 2)
        after.close()
        #expect(queue.pop(timeout: 0.05) == nil)
        queue.close()
        let late = try frame(166)
        #expect(!queue.push(late))
    }
}

import CFFmpeg
import Dispatch
import Foundation
import Logging
import NIOCore

/// One capture session, from opening the device to losing it (or shutdown), on the
/// camera's own thread. It reads video there and hands each frame through the fixed-depth
/// `FrameQueue` to an encode thread; audio has a thread of its own. A failure on any of
/// them ends the session; the source then retries. Between `publishStarted` and
/// `publishEnded` the segmenter sees exactly what an RTMP publish gives it.
struct CameraSession {
    let configuration: CameraConfiguration
    let pipeline: SegmenterPipeline
    let coordinator: IngestCoordinator
    let monitor: CameraMonitor
    let logger: Logger
    let sourceStopped: @Sendable () -> Bool

    /// Runs until the device is lost or the source stops; throws what ended it.
    func run() throws {
        let control = CameraSessionControl(sourceStopped: sourceStopped)
        monitor.update { $0.state = .starting }
        let video = try CaptureInput(CaptureArguments.video(configuration), mediaType: AVMEDIA_TYPE_VIDEO)
        defer { video.close() }
        let parameters = try StreamParameters(copying: video.parameters, timeBase: video.timeBase)
        let captureFormat = Self.describe(video.parameters)
        let width = parameters.width, height = parameters.height
        let queue = FrameQueue(depth: configuration.frameQueueDepth)
        let isLavfi = configuration.inputFormat == .lavfi
        let clock = CameraClock(origin: .now, paced: isLavfi && configuration.realTime, alignByArrival: !isLavfi || configuration.realTime)
        let audio = CaptureArguments.audio(configuration)

        // The publish begins: the segmenter marks the join when this is a resume.
        pipeline.submit(.publishStarted)
        pipeline.submit(.metadata(StreamMetadata(
            hasVideo: true, hasAudio: audio != nil, width: width, height: height,
            framesPerSecond: Double(configuration.framesPerSecond), videoKilobitsPerSecond: Double(configuration.bitrateKbps),
            audioKilobitsPerSecond: audio != nil ? Double(configuration.audioBitrateKbps) : nil)))
        coordinator.update { status in
            status.state = .publishing
            status.publisher = "camera \(configuration.device)"
            status.publishingSince = Date()
            status.metadata = StreamMetadata(hasVideo: true, hasAudio: audio != nil, width: width, height: height,
                                             framesPerSecond: Double(configuration.framesPerSecond))
            status.videoCodec = nil
            status.audioCodec = nil
            status.publishesAccepted += 1
        }
        monitor.update { status in
            status.state = .capturing
            status.captureFormat = captureFormat
            status.width = width
            status.height = height
            status.sessions += 1
        }
        logger.notice("camera capturing", metadata: [
            "camera.device": "\(configuration.device)", "camera.input": "\(configuration.inputFormat.rawValue)",
            "camera.capture_format": "\(captureFormat)", "camera.size": "\(width)x\(height)",
        ])
        defer {
            pipeline.submit(.publishEnded)
            coordinator.update { status in
                status.state = .idle
                status.publisher = nil
                status.publishingSince = nil
            }
        }

        let encoding = DispatchSemaphore(value: 0)
        CameraThread.start("alived-cam-enc") { [self] in
            CameraEncodeLoop(configuration: configuration, pipeline: pipeline, coordinator: coordinator, monitor: monitor, logger: logger)
                .run(parameters: parameters, queue: queue, control: control)
            encoding.signal()
        }
        let audioDone = DispatchSemaphore(value: 0)
        if let audio {
            CameraThread.start("alived-cam-aud") { [self] in
                CameraAudioLoop(configuration: configuration, pipeline: pipeline, coordinator: coordinator, monitor: monitor)
                    .run(arguments: audio, clock: clock, control: control)
                audioDone.signal()
            }
        } else {
            audioDone.signal()
        }

        var track = CameraClock.Track(timeBase: video.timeBase)
        do {
            while let packet = try video.read(shouldStop: { control.shouldStop }) {
                let timestamp = packet.pointee.pts != cffmpeg_nopts_value ? packet.pointee.pts : packet.pointee.dts
                let milliseconds = clock.place(timestamp == cffmpeg_nopts_value ? 0 : timestamp, on: &track)
                let captured = try CapturedPacket(moving: packet, timestampMilliseconds: milliseconds)
                monitor.update { $0.framesCaptured += 1 }
                if !queue.push(captured) {
                    monitor.update { $0.framesDropped += 1 }
                    MediaMetrics.cameraFramesDropped.increment()
                }
            }
        } catch {
            control.fail(error)
        }
        control.stop()
        queue.close()
        encoding.wait()
        audioDone.wait()
        if let failure = control.failure { throw failure }
    }

    /// `rawvideo yuv420p`, `mjpeg`, `h264` …
    static func describe(_ parameters: UnsafePointer<AVCodecParameters>) -> String {
        var text = String(cString: avcodec_get_name(parameters.pointee.codec_id))
        if parameters.pointee.codec_id == AV_CODEC_ID_RAWVIDEO, let name = av_get_pix_fmt_name(AVPixelFormat(rawValue: parameters.pointee.format)) {
            text += " " + String(cString: name)
        }
        return text
    }
}

import CFFmpeg
import Logging
import NIOCore

/// The encode thread of a capture session: takes frames from the queue and hands H.264 to
/// the segmenter. A camera's own H.264 passes through (Annex B to AVCC, no re-encode);
/// MJPEG or raw pictures are decoded, converted only when the encoder needs another pixel
/// format, and encoded with keyframes on the segment grid.
struct CameraEncodeLoop {
    let configuration: CameraConfiguration
    let pipeline: SegmenterPipeline
    let coordinator: IngestCoordinator
    let monitor: CameraMonitor
    let logger: Logger

    func run(parameters: StreamParameters, queue: FrameQueue, control: CameraSessionControl) {
        defer { parameters.close() }
        do {
            if parameters.codecID == AV_CODEC_ID_H264 {
                try passThrough(queue: queue, control: control)
            } else {
                try encode(parameters: parameters, queue: queue, control: control)
            }
        } catch {
            control.fail(error)
        }
        // Whatever is left (a failure stopped the loop early) goes back to libav.
        queue.close()
    }

    private func nextFrame(_ queue: FrameQueue, _ control: CameraSessionControl) -> CapturedPacket? {
        while true {
            if let frame = queue.pop(timeout: 0.2) { return frame }
            if queue.isClosed || control.shouldStop { return nil }
        }
    }

    private func submit(_ inputs: [MediaInput], _ control: CameraSessionControl) {
        for input in inputs {
            switch input {
            case .videoConfiguration(let record):
                let description = StreamDescription.h264(record)
                coordinator.update { $0.videoCodec = description }
            case .video(let packet):
                if packet.isKeyframe { control.videoStarted(at: packet.presentationTimestamp) }
                coordinator.recordMedia(bytes: packet.data.readableBytes)
                monitor.update { $0.framesEncoded += 1 }
                MediaMetrics.cameraFrames.increment()
            default: break
            }
            pipeline.submit(input)
        }
    }

    private func passThrough(queue: FrameQueue, control: CameraSessionControl) throws {
        monitor.update {
            $0.encoder = "passthrough"
            $0.encoderNote = "the device delivers H.264: no re-encode"
        }
        logger.notice("camera encoder", metadata: ["camera.encoder": "passthrough"])
        var converter = H264StreamConverter()
        while let frame = nextFrame(queue, control) {
            defer { frame.close() }
            guard let packet = frame.pointer else { continue }
            if frame.droppedBefore > 0 { converter.gap() }
            let inputs = converter.convert(
                annexB: UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)),
                decodeTimestamp: frame.timestampMilliseconds, presentationTimestamp: frame.timestampMilliseconds,
                keyframeFlag: packet.pointee.flags & AV_PKT_FLAG_KEY != 0)
            submit(inputs, control)
        }
    }

    private func encode(parameters: StreamParameters, queue: FrameQueue, control: CameraSessionControl) throws {
        let decoder = try VideoDecoder(parameters: parameters)
        defer { decoder.close() }
        var encoder: H264Encoder?
        var pixelConverter: PixelConverter?
        defer {
            encoder?.close()
            pixelConverter?.close()
        }
        var converter = H264StreamConverter()
        let interval = configuration.keyframeIntervalMilliseconds
        let halfFrame = Int64(500 / max(configuration.framesPerSecond, 1))
        var nextKeyframe: Int64?
        let output: (UnsafeRawBufferPointer, Int64, Int64, Bool) throws -> Void = { bytes, dts, pts, key in
            submit(converter.convert(annexB: bytes, decodeTimestamp: dts, presentationTimestamp: pts, keyframeFlag: key), control)
        }

        while let frame = nextFrame(queue, control) {
            defer { frame.close() }
            guard let packet = frame.pointer else { continue }
            packet.pointee.pts = frame.timestampMilliseconds
            packet.pointee.dts = frame.timestampMilliseconds
            guard let decoded = try decoder.decode(packet) else { continue }
            decoded.pointee.pts = frame.timestampMilliseconds
            if encoder == nil {
                let sourceFormat = AVPixelFormat(rawValue: decoded.pointee.format)
                let settings = H264Encoder.Settings(
                    width: Int(decoded.pointee.width), height: Int(decoded.pointee.height),
                    framesPerSecond: configuration.framesPerSecond, bitrateKbps: configuration.bitrateKbps,
                    keyframeIntervalFrames: configuration.keyframeIntervalFrames)
                let (opened, passedOver) = try EncoderSelection.open(configuration.encoder) {
                    try H264Encoder(name: $0, settings: settings, sourceFormat: sourceFormat)
                }
                encoder = opened
                if opened.pixelFormat != sourceFormat { pixelConverter = try PixelConverter(outputFormat: opened.pixelFormat) }
                let note = passedOver.isEmpty ? nil : passedOver.joined(separator: "; ")
                let pixelName = av_get_pix_fmt_name(opened.pixelFormat).map { String(cString: $0) } ?? "?"
                monitor.update {
                    $0.encoder = opened.name
                    $0.encoderNote = note
                }
                logger.notice("camera encoder", metadata: [
                    "camera.encoder": "\(opened.name)", "camera.encoder_passed_over": "\(note ?? "none")",
                    "camera.pixel_format": "\(pixelName)", "camera.converting": "\(pixelConverter != nil)",
                    "camera.keyframe_interval_ms": "\(interval)",
                ])
            }
            guard let encoder else { continue }
            let picture = try pixelConverter?.convert(decoded) ?? decoded
            let pts = frame.timestampMilliseconds
            // Keyframes on the segment grid, also when frames were dropped before the encoder.
            var force = false
            if let next = nextKeyframe {
                if pts >= next - halfFrame {
                    force = true
                    var advanced = next
                    while advanced <= pts + halfFrame { advanced += interval }
                    nextKeyframe = advanced
                }
            } else {
                force = true
                nextKeyframe = pts + interval
            }
            try encoder.encode(picture, forceKeyframe: force, output: output)
        }
        try encoder?.encode(nil, forceKeyframe: false, output: output)
    }
}

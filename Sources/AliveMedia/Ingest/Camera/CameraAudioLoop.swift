import CFFmpeg
import NIOCore

/// The audio thread of a capture session: PCM from ALSA (or a lavfi source) encoded to
/// AAC on the session's time line.
struct CameraAudioLoop {
    let configuration: CameraConfiguration
    let pipeline: SegmenterPipeline
    let coordinator: IngestCoordinator
    let monitor: CameraMonitor

    func run(arguments: CaptureArguments, clock: CameraClock, control: CameraSessionControl) {
        do {
            let input = try CaptureInput(arguments, mediaType: AVMEDIA_TYPE_AUDIO)
            defer { input.close() }
            let encoder = try AACEncoder(parameters: input.parameters, bitrateKbps: configuration.audioBitrateKbps)
            defer { encoder.close() }
            let config = NIOCore.ByteBuffer(bytes: encoder.audioSpecificConfig)
            let description = StreamDescription.aac(config)
            pipeline.submit(.audioConfiguration(config))
            coordinator.update { $0.audioCodec = description }
            var track = CameraClock.Track(timeBase: input.timeBase)
            var started = false
            while let packet = try input.read(shouldStop: { control.shouldStop }) {
                let timestamp = packet.pointee.pts != cffmpeg_nopts_value ? packet.pointee.pts : 0
                let milliseconds = clock.place(timestamp, on: &track)
                if !started {
                    encoder.startMilliseconds = milliseconds
                    started = true
                }
                try encoder.encode(pcm: UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))) { aac in
                    guard !control.isBeforeVideo(aac.decodeTimestamp) else { return }
                    coordinator.recordMedia(bytes: aac.data.readableBytes)
                    monitor.update { $0.audioFrames += 1 }
                    pipeline.submit(.audio(aac))
                }
            }
        } catch let error as CameraError {
            control.fail(error)
        } catch {
            control.fail(CameraError.audioFailed("\(error)"))
        }
    }
}

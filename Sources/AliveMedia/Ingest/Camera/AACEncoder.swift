import CFFmpeg
import NIOCore

/// libavcodec's native AAC-LC encoder fed with captured PCM (ALSA or a lavfi source):
/// interleaved samples are converted to the planar float the encoder takes and cut into
/// 1024-sample frames. Output timestamps are milliseconds from the first sample, plus
/// `startMilliseconds`.
///
/// Not thread-safe: the audio thread owns it. `close()` must be called.
final class AACEncoder {
    let sampleRate: Int
    let channels: Int
    private let sampleFormat: AVSampleFormat
    private let inputChannels: Int
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// Samples waiting for a whole frame, one array per output channel.
    private var pending: [[Float]]
    private var samplesSent: Int64 = 0
    var startMilliseconds: Int64 = 0

    /// The `AudioSpecificConfig` (the encoder's extradata).
    private(set) var audioSpecificConfig: [UInt8] = []

    init(parameters: UnsafePointer<AVCodecParameters>, bitrateKbps: Int) throws {
        sampleRate = Int(parameters.pointee.sample_rate)
        inputChannels = Int(parameters.pointee.ch_layout.nb_channels)
        channels = min(max(inputChannels, 1), 2)
        sampleFormat = AVSampleFormat(rawValue: parameters.pointee.format)
        pending = Array(repeating: [], count: channels)
        guard [AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_FLT].contains(sampleFormat) else {
            let name = av_get_sample_fmt_name(sampleFormat).map { String(cString: $0) } ?? "unknown"
            throw CameraError.audioFailed("sample format \(name) is not supported (s16, s32 or flt)")
        }
        guard let codec = avcodec_find_encoder_by_name("aac") else { throw CameraError.audioFailed("libavcodec has no aac encoder") }
        guard let context = avcodec_alloc_context3(codec) else { throw CameraError.audioFailed("out of memory") }
        self.context = context
        do {
            context.pointee.sample_fmt = AV_SAMPLE_FMT_FLTP
            context.pointee.sample_rate = Int32(sampleRate)
            av_channel_layout_default(&context.pointee.ch_layout, Int32(channels))
            context.pointee.bit_rate = Int64(bitrateKbps) * 1000
            context.pointee.time_base = AVRational(num: 1, den: Int32(sampleRate))
            try FFmpegError.check(avcodec_open2(context, codec, nil), "avcodec_open2(aac)")
            audioSpecificConfig = Array(UnsafeBufferPointer(start: context.pointee.extradata, count: Int(context.pointee.extradata_size)))
            guard let frame = av_frame_alloc(), let packet = av_packet_alloc() else { throw CameraError.audioFailed("out of memory") }
            self.frame = frame
            self.packet = packet
            frame.pointee.nb_samples = context.pointee.frame_size
            frame.pointee.format = AV_SAMPLE_FMT_FLTP.rawValue
            frame.pointee.sample_rate = Int32(sampleRate)
            try FFmpegError.check(av_channel_layout_copy(&frame.pointee.ch_layout, &context.pointee.ch_layout), "av_channel_layout_copy")
            try FFmpegError.check(av_frame_get_buffer(frame, 0), "av_frame_get_buffer")
        } catch let error as CameraError {
            close()
            throw error
        } catch {
            close()
            throw CameraError.audioFailed("\(error)")
        }
    }

    deinit { assert(context == nil, "AACEncoder dropped without close()") }

    /// Takes one packet of interleaved PCM; `output` gets each AAC frame that is ready.
    func encode(pcm: UnsafeRawBufferPointer, output: (MediaPacket) -> Void) throws {
        let bytesPerSample = Int(av_get_bytes_per_sample(sampleFormat))
        let count = pcm.count / (bytesPerSample * inputChannels)
        for channel in 0..<channels { pending[channel].reserveCapacity(pending[channel].count + count) }
        for index in 0..<count {
            for channel in 0..<channels {
                let offset = (index * inputChannels + channel) * bytesPerSample
                let sample: Float
                switch sampleFormat {
                case AV_SAMPLE_FMT_S16: sample = Float(pcm.loadUnaligned(fromByteOffset: offset, as: Int16.self)) / 32_768
                case AV_SAMPLE_FMT_S32: sample = Float(pcm.loadUnaligned(fromByteOffset: offset, as: Int32.self)) / 2_147_483_648
                default: sample = pcm.loadUnaligned(fromByteOffset: offset, as: Float.self)
                }
                pending[channel].append(sample)
            }
        }
        guard let context, let frame else { throw CameraError.audioFailed("encoder closed") }
        let frameSize = Int(context.pointee.frame_size)
        while pending[0].count >= frameSize {
            try check(av_frame_make_writable(frame), "av_frame_make_writable")
            for channel in 0..<channels {
                let plane = UnsafeMutableRawPointer(frame.pointee.extended_data[channel]!).assumingMemoryBound(to: Float.self)
                pending[channel].withUnsafeBufferPointer { plane.update(from: $0.baseAddress!, count: frameSize) }
                pending[channel].removeFirst(frameSize)
            }
            frame.pointee.pts = samplesSent
            samplesSent += Int64(frameSize)
            try check(avcodec_send_frame(context, frame), "avcodec_send_frame(aac)")
            try drain(output)
        }
    }

    private func drain(_ output: (MediaPacket) -> Void) throws {
        guard let context, let packet else { return }
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == cffmpeg_averror(EAGAIN) || received == cffmpeg_error_eof { return }
            try check(received, "avcodec_receive_packet(aac)")
            defer { av_packet_unref(packet) }
            let milliseconds = startMilliseconds + av_rescale(packet.pointee.pts, 1000, Int64(sampleRate))
            output(MediaPacket(decodeTimestamp: milliseconds, isKeyframe: true,
                               data: ByteBuffer(bytes: UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))))
        }
    }

    private func check(_ result: Int32, _ operation: String) throws {
        if result < 0 { throw CameraError.audioFailed(FFmpegError(operation, code: result).description) }
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        if frame != nil { av_frame_free(&frame) }
        if context != nil { avcodec_free_context(&context) }
    }
}

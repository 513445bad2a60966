import CFFmpeg
import NIOCore

/// One MPEG-TS segment being muxed by libavformat straight into ring pages: a custom
/// AVIOContext whose write callback appends to the `SegmentWriter`. No file, no child process.
///
/// Lives on the segmenter's queue only. `finish()` or `close()` must be called.
final class TSMuxer {
    struct VideoTrack { var decoderConfiguration: [UInt8]; var width: Int?; var height: Int? }
    struct AudioTrack { var audioSpecificConfig: [UInt8]; var config: AudioSpecificConfig }

    private static let ioBufferSize: Int32 = 64 * 188 * 4   // TS packets are 188 bytes

    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let writer: SegmentWriter
    private var videoStreamIndex: Int32?
    private var audioStreamIndex: Int32?
    private static let millisecond = AVRational(num: 1, den: 1000)

    init(video: VideoTrack?, audio: AudioTrack?, writer: SegmentWriter) throws {
        self.writer = writer
        var context: UnsafeMutablePointer<AVFormatContext>?
        try FFmpegError.check(avformat_alloc_output_context2(&context, nil, "mpegts", nil), "avformat_alloc_output_context2(mpegts)")
        self.context = context
        guard let context else { throw FFmpegError("avformat_alloc_output_context2", code: cffmpeg_averror(ENOMEM)) }

        guard let ioBuffer = av_malloc(Int(Self.ioBufferSize)) else {
            close()
            throw FFmpegError("av_malloc", code: cffmpeg_averror(ENOMEM))
        }
        let opaque = Unmanaged.passUnretained(writer).toOpaque()
        guard let io = avio_alloc_context(ioBuffer.assumingMemoryBound(to: UInt8.self), Self.ioBufferSize, 1, opaque, nil, tsMuxerWrite, nil) else {
            av_free(ioBuffer)
            close()
            throw FFmpegError("avio_alloc_context", code: cffmpeg_averror(ENOMEM))
        }
        context.pointee.pb = io
        context.pointee.flags |= AVFMT_FLAG_CUSTOM_IO

        do {
            if let video {
                let stream = try Self.addStream(to: context)
                let parameters = stream.pointee.codecpar!
                parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
                parameters.pointee.codec_id = AV_CODEC_ID_H264
                parameters.pointee.width = Int32(video.width ?? 0)
                parameters.pointee.height = Int32(video.height ?? 0)
                try Self.setExtradata(video.decoderConfiguration, on: parameters)
                videoStreamIndex = stream.pointee.index
            }
            if let audio {
                let stream = try Self.addStream(to: context)
                let parameters = stream.pointee.codecpar!
                parameters.pointee.codec_type = AVMEDIA_TYPE_AUDIO
                parameters.pointee.codec_id = AV_CODEC_ID_AAC
                parameters.pointee.sample_rate = Int32(audio.config.sampleRate)
                parameters.pointee.frame_size = 1024
                av_channel_layout_default(&parameters.pointee.ch_layout, Int32(audio.config.channels))
                try Self.setExtradata(audio.audioSpecificConfig, on: parameters)
                audioStreamIndex = stream.pointee.index
            }
            try FFmpegError.check(avformat_write_header(context, nil), "avformat_write_header")
            packet = av_packet_alloc()
            guard packet != nil else { throw FFmpegError("av_packet_alloc", code: cffmpeg_averror(ENOMEM)) }
        } catch {
            close()
            throw error
        }
    }

    deinit { assert(context == nil, "TSMuxer dropped without finish() or close()") }

    private static func addStream(to context: UnsafeMutablePointer<AVFormatContext>) throws -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(context, nil) else { throw FFmpegError("avformat_new_stream", code: cffmpeg_averror(ENOMEM)) }
        stream.pointee.time_base = millisecond
        return stream
    }

    private static func setExtradata(_ bytes: [UInt8], on parameters: UnsafeMutablePointer<AVCodecParameters>) throws {
        let padded = bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)
        guard let extradata = av_mallocz(padded)?.assumingMemoryBound(to: UInt8.self) else {
            throw FFmpegError("av_mallocz", code: cffmpeg_averror(ENOMEM))
        }
        bytes.withUnsafeBufferPointer { extradata.update(from: $0.baseAddress!, count: bytes.count) }
        parameters.pointee.extradata = extradata
        parameters.pointee.extradata_size = Int32(bytes.count)
    }

    var hasVideo: Bool { videoStreamIndex != nil }
    var hasAudio: Bool { audioStreamIndex != nil }

    /// Writes one frame (timestamps in milliseconds on the output timeline). False when
    /// the segment has no stream for the frame's track (it was configured after the open).
    func write(_ frame: SegmentCutter.Frame) throws -> Bool {
        guard let streamIndex = frame.track == .video ? videoStreamIndex : audioStreamIndex else { return false }
        guard let context, let packet else { return true }
        try FFmpegError.check(av_new_packet(packet, Int32(frame.data.readableBytes)), "av_new_packet")
        defer { av_packet_unref(packet) }
        frame.data.withUnsafeReadableBytes { bytes in
            if let base = bytes.baseAddress { packet.pointee.data.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        }
        packet.pointee.stream_index = streamIndex
        packet.pointee.dts = frame.decodeTimestamp
        packet.pointee.pts = frame.presentationTimestamp
        if frame.isKeyframe { packet.pointee.flags |= AV_PKT_FLAG_KEY }
        av_packet_rescale_ts(packet, Self.millisecond, context.pointee.streams[Int(streamIndex)]!.pointee.time_base)
        try FFmpegError.check(av_write_frame(context, packet), "av_write_frame")
        return true
    }

    /// Flushes the muxer (trailer) into the writer and frees libav's state.
    func finish() throws {
        guard let context else { return }
        defer { close() }
        try FFmpegError.check(av_write_trailer(context), "av_write_trailer")
        avio_flush(context.pointee.pb)
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        guard let context else { return }
        if context.pointee.pb != nil {
            av_freep(&context.pointee.pb.pointee.buffer)
            avio_context_free(&context.pointee.pb)
        }
        avformat_free_context(context)
        self.context = nil
    }
}

/// AVIOContext write callback: appends muxed bytes to the segment's ring pages.
private func tsMuxerWrite(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32) -> Int32 {
    guard let opaque, let buffer, size > 0 else { return 0 }
    let writer = Unmanaged<SegmentWriter>.fromOpaque(opaque).takeUnretainedValue()
    writer.append(UnsafeRawBufferPointer(start: buffer, count: Int(size)))
    return size
}

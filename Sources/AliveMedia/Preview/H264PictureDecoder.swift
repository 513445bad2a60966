import CFFmpeg
import NIOCore

/// libavcodec's H.264 decoder set up for one decoder configuration, used to decode single
/// keyframes (each one alone: send, drain, flush). Reused for as long as the configuration
/// stays the same; a new configuration needs a new decoder.
///
/// Not thread-safe: the thumbnail queue owns it. `close()` must be called.
final class H264PictureDecoder {
    let decoderConfiguration: [UInt8]
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    /// Opens the decoder on an `AVCDecoderConfigurationRecord` (SPS, PPS, NAL length size).
    init(decoderConfiguration: [UInt8]) throws {
        self.decoderConfiguration = decoderConfiguration
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_H264) else {
            throw FFmpegError("avcodec_find_decoder(h264)", code: cffmpeg_averror(ENOSYS))
        }
        guard let context = avcodec_alloc_context3(codec) else { throw FFmpegError("avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM)) }
        self.context = context
        do {
            // One thread: a picture every few seconds is not worth taking a core from the
            // segmenter on a two-core box (and frame threading would only add delay).
            context.pointee.thread_count = 1
            // libav prints its own complaints about bad input to stderr, past swift-log; the
            // failure reaches the caller as an error instead, so keep its errors below the
            // default log threshold.
            context.pointee.log_level_offset = AV_LOG_VERBOSE - AV_LOG_ERROR
            let padded = decoderConfiguration.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)
            guard let extradata = av_mallocz(padded)?.assumingMemoryBound(to: UInt8.self) else {
                throw FFmpegError("av_mallocz", code: cffmpeg_averror(ENOMEM))
            }
            decoderConfiguration.withUnsafeBufferPointer { extradata.update(from: $0.baseAddress!, count: decoderConfiguration.count) }
            context.pointee.extradata = extradata
            context.pointee.extradata_size = Int32(decoderConfiguration.count)
            try FFmpegError.check(avcodec_open2(context, codec, nil), "avcodec_open2(h264)")
            packet = av_packet_alloc()
            guard packet != nil else { throw FFmpegError("av_packet_alloc", code: cffmpeg_averror(ENOMEM)) }
        } catch {
            close()
            throw error
        }
    }

    deinit { assert(context == nil, "H264PictureDecoder dropped without close()") }

    /// Decodes one keyframe (length-prefixed NAL units) into `frame`.
    /// Returns false when the decoder accepted the bytes but made no picture of them.
    func decode(keyframe data: ByteBuffer, into frame: VideoFrame) throws -> Bool {
        guard let context, let packet, let picture = frame.pointer else { return false }
        frame.unreference()
        // Leave the decoder empty and ready for the next keyframe whatever happens here.
        defer { avcodec_flush_buffers(context) }
        try FFmpegError.check(av_new_packet(packet, Int32(data.readableBytes)), "av_new_packet")
        data.withUnsafeReadableBytes { bytes in
            if let base = bytes.baseAddress { packet.pointee.data.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        }
        packet.pointee.flags |= AV_PKT_FLAG_KEY
        let sent = avcodec_send_packet(context, packet)
        av_packet_unref(packet)
        try FFmpegError.check(sent, "avcodec_send_packet")
        // A decoder that reorders frames holds the picture back: draining releases it.
        try FFmpegError.check(avcodec_send_packet(context, nil), "avcodec_send_packet(drain)")
        let received = avcodec_receive_frame(context, picture)
        if received == cffmpeg_error_eof || received == cffmpeg_averror(EAGAIN) { return false }
        try FFmpegError.check(received, "avcodec_receive_frame")
        if picture.pointee.decode_error_flags != 0 || picture.pointee.flags & AV_FRAME_FLAG_CORRUPT != 0 {
            frame.unreference()
            throw FFmpegError("h264 decoding (picture has errors)", code: cffmpeg_error_invaliddata)
        }
        return picture.pointee.width > 0 && picture.pointee.height > 0
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        if context != nil { avcodec_free_context(&context) }
    }
}

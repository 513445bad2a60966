import CFFmpeg
import NIOCore

/// libavcodec's MJPEG encoder for one picture size: each call turns one YUV 4:2:0
/// full-range frame into one complete JPEG. Reused while the size stays the same.
///
/// Not thread-safe: the thumbnail queue owns it. `close()` must be called.
final class JPEGEncoder {
    let width: Int
    let height: Int
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var framesEncoded: Int64 = 0

    /// `quality`: the JPEG quantiser scale, 2 (best, largest) ... 31 (worst, smallest).
    init(width: Int, height: Int, quality: Int) throws {
        self.width = width
        self.height = height
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG) else {
            throw FFmpegError("avcodec_find_encoder(mjpeg)", code: cffmpeg_averror(ENOSYS))
        }
        guard let context = avcodec_alloc_context3(codec) else { throw FFmpegError("avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM)) }
        self.context = context
        do {
            context.pointee.width = Int32(width)
            context.pointee.height = Int32(height)
            // yuv420p tagged full range is what the encoder accepts as standard JPEG
            // (the yuvj* formats are deprecated and make libswscale warn on stderr).
            context.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            context.pointee.color_range = AVCOL_RANGE_JPEG
            context.pointee.colorspace = AVCOL_SPC_BT470BG
            context.pointee.time_base = AVRational(num: 1, den: 1)
            context.pointee.thread_count = 1
            context.pointee.log_level_offset = AV_LOG_VERBOSE - AV_LOG_ERROR
            // A fixed quantiser: every thumbnail looks the same, whatever the picture.
            context.pointee.flags |= AV_CODEC_FLAG_QSCALE
            context.pointee.global_quality = Int32(min(max(quality, 2), 31)) * FF_QP2LAMBDA
            try FFmpegError.check(avcodec_open2(context, codec, nil), "avcodec_open2(mjpeg)")
            packet = av_packet_alloc()
            guard packet != nil else { throw FFmpegError("av_packet_alloc", code: cffmpeg_averror(ENOMEM)) }
        } catch {
            close()
            throw error
        }
    }

    deinit { assert(context == nil, "JPEGEncoder dropped without close()") }

    /// Encodes `frame` (this encoder's size, YUV 4:2:0 full range) to JPEG bytes.
    func encode(_ frame: VideoFrame) throws -> ByteBuffer {
        guard let context, let packet, let picture = frame.pointer else {
            throw FFmpegError("JPEGEncoder.encode (closed)", code: cffmpeg_averror(EINVAL))
        }
        picture.pointee.pts = framesEncoded
        picture.pointee.quality = context.pointee.global_quality
        framesEncoded += 1
        try FFmpegError.check(avcodec_send_frame(context, picture), "avcodec_send_frame(mjpeg)")
        try FFmpegError.check(avcodec_receive_packet(context, packet), "avcodec_receive_packet(mjpeg)")
        defer { av_packet_unref(packet) }
        return ByteBuffer(bytes: UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)))
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        if context != nil { avcodec_free_context(&context) }
    }
}

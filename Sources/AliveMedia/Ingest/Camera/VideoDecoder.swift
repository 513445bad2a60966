import CFFmpeg

/// libavcodec's decoder for what a capture device delivers when it is not H.264: MJPEG,
/// or raw pictures (`rawvideo`, which only wraps the captured buffer). Each packet gives
/// at most one picture (intra-only input), with the packet's timestamp as `pts`.
///
/// Not thread-safe: the encode thread owns it. `close()` must be called.
final class VideoDecoder {
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private let frame: VideoFrame

    init(parameters: StreamParameters) throws {
        guard let codecParameters = parameters.pointer, let codec = avcodec_find_decoder(parameters.codecID) else {
            throw CameraError.unsupportedInput("no decoder for \(parameters.codecName)")
        }
        frame = try VideoFrame()
        guard let context = avcodec_alloc_context3(codec) else {
            frame.close()
            throw CameraError.encodeFailed("out of memory")
        }
        self.context = context
        do {
            try FFmpegError.check(avcodec_parameters_to_context(context, codecParameters), "avcodec_parameters_to_context")
            context.pointee.pkt_timebase = AVRational(num: 1, den: 1000)
            context.pointee.thread_count = 1
            try FFmpegError.check(avcodec_open2(context, codec, nil), "avcodec_open2(\(parameters.codecName))")
        } catch {
            close()
            throw CameraError.unsupportedInput("\(error)")
        }
    }

    deinit { assert(context == nil, "VideoDecoder dropped without close()") }

    /// Decodes `packet` (its pts in milliseconds); the picture stays valid until the next call.
    /// nil when the packet made no picture (a corrupt MJPEG frame).
    func decode(_ packet: UnsafeMutablePointer<AVPacket>) throws -> UnsafeMutablePointer<AVFrame>? {
        guard let context, let picture = frame.pointer else { return nil }
        frame.unreference()
        let sent = avcodec_send_packet(context, packet)
        if sent == cffmpeg_error_invaliddata { return nil }
        try FFmpegError.check(sent, "avcodec_send_packet")
        let received = avcodec_receive_frame(context, picture)
        if received == cffmpeg_averror(EAGAIN) || received == cffmpeg_error_eof || received == cffmpeg_error_invaliddata { return nil }
        try FFmpegError.check(received, "avcodec_receive_frame")
        return picture
    }

    /// Frees everything; safe to call twice.
    func close() {
        if context != nil { avcodec_free_context(&context) }
        frame.close()
    }
}

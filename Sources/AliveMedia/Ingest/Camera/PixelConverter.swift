import CFFmpeg

/// libswscale converting captured pictures to the pixel format the encoder takes. Only
/// made when the capture format differs (a YUYV or 4:2:2 MJPEG camera into a 4:2:0
/// encoder); the context and the output frame are reused.
///
/// Not thread-safe: the encode thread owns it. `close()` must be called.
final class PixelConverter {
    let outputFormat: AVPixelFormat
    private var context: OpaquePointer?
    private let output: VideoFrame

    init(outputFormat: AVPixelFormat) throws {
        self.outputFormat = outputFormat
        output = try VideoFrame()
    }

    deinit { assert(context == nil && output.pointer == nil, "PixelConverter dropped without close()") }

    /// `source` in `outputFormat`, same size and timestamp; valid until the next call.
    func convert(_ source: UnsafeMutablePointer<AVFrame>) throws -> UnsafeMutablePointer<AVFrame> {
        guard let picture = output.pointer else { throw CameraError.encodeFailed("pixel converter closed") }
        let width = source.pointee.width, height = source.pointee.height
        context = sws_getCachedContext(context, width, height, AVPixelFormat(rawValue: source.pointee.format),
                                       width, height, outputFormat, SWS_BILINEAR, nil, nil, nil)
        guard let context else { throw CameraError.encodeFailed("sws_getCachedContext refused the conversion") }
        if picture.pointee.width != width || picture.pointee.height != height || picture.pointee.buf.0 == nil {
            output.unreference()
            picture.pointee.width = width
            picture.pointee.height = height
            picture.pointee.format = outputFormat.rawValue
            try FFmpegError.check(av_frame_get_buffer(picture, 0), "av_frame_get_buffer")
        } else {
            // The encoder may still hold a reference to the last picture.
            try FFmpegError.check(av_frame_make_writable(picture), "av_frame_make_writable")
        }
        try FFmpegError.check(sws_scale_frame(context, picture, source), "sws_scale_frame")
        picture.pointee.pts = source.pointee.pts
        return picture
    }

    /// Frees everything; safe to call twice.
    func close() {
        if let context { sws_freeContext(context) }
        context = nil
        output.close()
    }
}

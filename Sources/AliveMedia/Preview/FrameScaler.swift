import CFFmpeg

/// libswscale converting decoded pictures to the thumbnail's size and to what a JPEG holds:
/// YUV 4:2:0, full range, BT.601 (JFIF). The scaling context is cached while the source
/// and target stay the same; the output frame is reused.
///
/// Not thread-safe: the thumbnail queue owns it. `close()` must be called.
final class FrameScaler {
    private var context: OpaquePointer?
    private let output: VideoFrame
    private static let outputFormat = AV_PIX_FMT_YUV420P

    init() throws {
        output = try VideoFrame()
    }

    deinit { assert(context == nil && output.pointer == nil, "FrameScaler dropped without close()") }

    /// Converts `source` to `width`×`height`; the result stays valid until the next call.
    func scale(_ source: VideoFrame, width: Int, height: Int) throws -> VideoFrame {
        guard let input = source.pointer, let picture = output.pointer else {
            throw FFmpegError("FrameScaler.scale (closed)", code: cffmpeg_averror(EINVAL))
        }
        let sourceFormat = AVPixelFormat(rawValue: input.pointee.format)
        // Bilinear: a 1080p → 640 px downscale looks clean and costs a fraction of bicubic.
        context = sws_getCachedContext(context, input.pointee.width, input.pointee.height, sourceFormat,
                                       Int32(width), Int32(height), Self.outputFormat, SWS_BILINEAR, nil, nil, nil)
        guard let context else {
            throw FFmpegError("sws_getCachedContext(\(input.pointee.width)x\(input.pointee.height) → \(width)x\(height))", code: cffmpeg_averror(EINVAL))
        }
        // Encoders tag the matrix (OBS: BT.709 for HD); JPEG viewers assume BT.601 full range.
        let sourceMatrix = input.pointee.colorspace == AVCOL_SPC_RGB ? SWS_CS_DEFAULT : Int32(input.pointee.colorspace.rawValue)
        let sourceFullRange: Int32 = input.pointee.color_range == AVCOL_RANGE_JPEG || Self.isFullRangeFormat(sourceFormat) ? 1 : 0
        try FFmpegError.check(
            sws_setColorspaceDetails(context, sws_getCoefficients(sourceMatrix), sourceFullRange,
                                     sws_getCoefficients(SWS_CS_ITU601), 1, 0, 1 << 16, 1 << 16),
            "sws_setColorspaceDetails")

        if picture.pointee.width != Int32(width) || picture.pointee.height != Int32(height) || picture.pointee.buf.0 == nil {
            output.unreference()
            picture.pointee.width = Int32(width)
            picture.pointee.height = Int32(height)
            picture.pointee.format = Self.outputFormat.rawValue
            try FFmpegError.check(av_frame_get_buffer(picture, 0), "av_frame_get_buffer")
        } else {
            try FFmpegError.check(av_frame_make_writable(picture), "av_frame_make_writable")
        }
        picture.pointee.color_range = AVCOL_RANGE_JPEG
        picture.pointee.colorspace = AVCOL_SPC_BT470BG
        try FFmpegError.check(sws_scale_frame(context, picture, input), "sws_scale_frame")
        return output
    }

    private static func isFullRangeFormat(_ format: AVPixelFormat) -> Bool {
        [AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUVJ411P].contains(format)
    }

    /// Frees everything; safe to call twice.
    func close() {
        if let context { sws_freeContext(context) }
        context = nil
        output.close()
    }
}

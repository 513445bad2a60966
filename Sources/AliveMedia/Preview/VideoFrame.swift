import CFFmpeg

/// One owned `AVFrame` (a decoded or converted picture). Reused: each owner keeps one and
/// libav refills it. `close()` frees it; `deinit` asserts that happened.
final class VideoFrame {
    private(set) var pointer: UnsafeMutablePointer<AVFrame>?

    init() throws {
        guard let frame = av_frame_alloc() else { throw FFmpegError("av_frame_alloc", code: cffmpeg_averror(ENOMEM)) }
        pointer = frame
    }

    deinit { assert(pointer == nil, "VideoFrame dropped without close()") }

    var width: Int { Int(pointer?.pointee.width ?? 0) }
    var height: Int { Int(pointer?.pointee.height ?? 0) }

    /// Drops the picture's buffers (the frame itself stays allocated for reuse).
    func unreference() {
        if let pointer { av_frame_unref(pointer) }
    }

    /// Frees the frame; safe to call twice.
    func close() {
        if pointer != nil { av_frame_free(&pointer) }
    }
}

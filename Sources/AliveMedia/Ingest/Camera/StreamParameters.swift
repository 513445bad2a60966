import CFFmpeg

/// A copy of the capture stream's codec parameters, handed from the capture thread to the
/// encode thread when a session starts.
///
/// `@unchecked Sendable`: a private copy (`avcodec_parameters_copy`), written once before
/// the hand-off and only read afterwards, by the one thread that also closes it.
final class StreamParameters: @unchecked Sendable {
    private(set) var pointer: UnsafeMutablePointer<AVCodecParameters>?
    let timeBase: AVRational

    init(copying source: UnsafePointer<AVCodecParameters>, timeBase: AVRational) throws {
        guard let copy = avcodec_parameters_alloc() else { throw CameraError.encodeFailed("out of memory") }
        pointer = copy
        self.timeBase = timeBase
        let copied = avcodec_parameters_copy(copy, source)
        if copied < 0 {
            close()
            throw CameraError.encodeFailed(FFmpegError("avcodec_parameters_copy", code: copied).description)
        }
    }

    deinit { assert(pointer == nil, "StreamParameters dropped without close()") }

    var codecID: AVCodecID { pointer?.pointee.codec_id ?? AV_CODEC_ID_NONE }
    var codecName: String { String(cString: avcodec_get_name(codecID)) }
    var width: Int { Int(pointer?.pointee.width ?? 0) }
    var height: Int { Int(pointer?.pointee.height ?? 0) }

    /// Frees the copy; safe to call twice.
    func close() {
        if pointer != nil { avcodec_parameters_free(&pointer) }
    }
}

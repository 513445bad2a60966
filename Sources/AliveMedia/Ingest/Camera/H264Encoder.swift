import CFFmpeg

/// libavcodec's H.264 encoder for camera pictures: `h264_v4l2m2m` (the Pi's hardware
/// encoder) or `libx264` (`ultrafast`, `zerolatency`), with a fixed GOP, no B-frames and
/// keyframes forced on the segment grid so segments cut exactly. Timestamps are in
/// milliseconds; the output is Annex B (SPS/PPS repeated before every keyframe).
///
/// Not thread-safe: the encode thread owns it. `close()` must be called.
final class H264Encoder {
    struct Settings: Equatable {
        var width: Int
        var height: Int
        var framesPerSecond: Int
        var bitrateKbps: Int
        var keyframeIntervalFrames: Int
    }

    /// The encoder's name (`libx264`, `h264_v4l2m2m`), for status and the log.
    let name: String
    /// The pixel format pictures must be in.
    let pixelFormat: AVPixelFormat
    private var context: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    /// Pixel formats every H.264 decoder plays (4:2:0, 8 bit); anything else is converted.
    static let playableFormats: [AVPixelFormat] = [AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_NV12]

    /// Opens `name`, taking `sourceFormat` as is when the encoder accepts it, else YUV 4:2:0.
    init(name: String, settings: Settings, sourceFormat: AVPixelFormat) throws {
        self.name = name
        guard let codec = avcodec_find_encoder_by_name(name) else {
            throw CameraError.encoderUnavailable("\(name) is not in this libavcodec")
        }
        let accepted = Self.supportedFormats(codec)
        if Self.playableFormats.contains(sourceFormat) && (accepted.isEmpty || accepted.contains(sourceFormat)) {
            pixelFormat = sourceFormat
        } else if accepted.isEmpty || accepted.contains(AV_PIX_FMT_YUV420P) {
            pixelFormat = AV_PIX_FMT_YUV420P
        } else if accepted.contains(AV_PIX_FMT_NV12) {
            pixelFormat = AV_PIX_FMT_NV12
        } else {
            throw CameraError.encoderUnavailable("\(name) takes no 4:2:0 pixel format")
        }
        guard let context = avcodec_alloc_context3(codec) else { throw CameraError.encoderUnavailable("out of memory") }
        self.context = context
        do {
            context.pointee.width = Int32(settings.width)
            context.pointee.height = Int32(settings.height)
            context.pointee.pix_fmt = pixelFormat
            context.pointee.time_base = AVRational(num: 1, den: 1000)
            context.pointee.framerate = AVRational(num: Int32(settings.framesPerSecond), den: 1)
            context.pointee.bit_rate = Int64(settings.bitrateKbps) * 1000
            context.pointee.rc_max_rate = Int64(settings.bitrateKbps) * 1000
            context.pointee.rc_buffer_size = Int32(settings.bitrateKbps * 1000)
            context.pointee.gop_size = Int32(settings.keyframeIntervalFrames)
            context.pointee.keyint_min = Int32(settings.keyframeIntervalFrames)
            context.pointee.max_b_frames = 0
            context.pointee.log_level_offset = name == "h264_v4l2m2m" ? AV_LOG_VERBOSE - AV_LOG_ERROR : 0
            var options: OpaquePointer?
            defer { av_dict_free(&options) }
            if name == "libx264" {
                av_dict_set(&options, "preset", "ultrafast", 0)
                av_dict_set(&options, "tune", "zerolatency", 0)
                // Keyframes only where they are asked for (the segment grid), not at scene cuts.
                av_dict_set(&options, "x264-params", "scenecut=0", 0)
                av_dict_set(&options, "forced-idr", "1", 0)
            }
            try FFmpegError.check(avcodec_open2(context, codec, &options), "avcodec_open2(\(name))")
            guard let packet = av_packet_alloc() else { throw CameraError.encoderUnavailable("out of memory") }
            self.packet = packet
        } catch let error as CameraError {
            close()
            throw error
        } catch {
            close()
            throw CameraError.encoderUnavailable("\(error)")
        }
    }

    deinit { assert(context == nil, "H264Encoder dropped without close()") }

    private static func supportedFormats(_ codec: UnsafePointer<AVCodec>) -> [AVPixelFormat] {
        var formats: [AVPixelFormat] = []
        guard var cursor = codec.pointee.pix_fmts else { return formats }
        while cursor.pointee != AV_PIX_FMT_NONE {
            formats.append(cursor.pointee)
            cursor += 1
        }
        return formats
    }

    /// Encodes one picture (`pts` in milliseconds); `output` gets every packet that is
    /// ready (Annex B bytes, dts, pts, keyframe), valid only during the call.
    func encode(_ picture: UnsafeMutablePointer<AVFrame>?, forceKeyframe: Bool,
                output: (UnsafeRawBufferPointer, Int64, Int64, Bool) throws -> Void) throws {
        guard let context, let packet else { throw CameraError.encodeFailed("encoder closed") }
        if let picture {
            picture.pointee.pict_type = forceKeyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        }
        let sent = avcodec_send_frame(context, picture)
        if sent != cffmpeg_error_eof { try check(sent, "avcodec_send_frame") }
        while true {
            let received = avcodec_receive_packet(context, packet)
            if received == cffmpeg_averror(EAGAIN) || received == cffmpeg_error_eof { return }
            try check(received, "avcodec_receive_packet")
            defer { av_packet_unref(packet) }
            let pts = packet.pointee.pts
            let dts = packet.pointee.dts == cffmpeg_nopts_value ? pts : packet.pointee.dts
            try output(UnsafeRawBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size)),
                       dts, pts, packet.pointee.flags & AV_PKT_FLAG_KEY != 0)
        }
    }

    private func check(_ result: Int32, _ operation: String) throws {
        if result < 0 { throw CameraError.encodeFailed(FFmpegError(operation, code: result).description) }
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        if context != nil { avcodec_free_context(&context) }
    }
}

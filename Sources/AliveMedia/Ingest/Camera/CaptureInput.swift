import CFFmpeg
import Glibc

/// One libavdevice input (`v4l2`, `lavfi`, `alsa`) opened for reading packets (the first
/// one loads libavdevice, `CaptureLibrary`).
///
/// Blocking: open and `read` wait on the device, so only the camera's own threads use it.
/// Not thread-safe (one thread owns it); `close()` must be called.
final class CaptureInput {
    /// The stream `read` returns packets of.
    private(set) var streamIndex: Int32 = -1
    let arguments: CaptureArguments
    private var context: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?

    /// Opens the input and finds its first stream of `mediaType`.
    init(_ arguments: CaptureArguments, mediaType: AVMediaType) throws {
        try CaptureLibrary.load()
        self.arguments = arguments
        guard let format = av_find_input_format(arguments.format) else {
            throw CameraError.deviceUnavailable(arguments.url, reason: "libavdevice has no \(arguments.format) input")
        }
        var options: OpaquePointer?
        for (key, value) in arguments.options { av_dict_set(&options, key, value, 0) }
        defer { av_dict_free(&options) }
        // Non-blocking reads: a device that stops delivering (frozen, unplugged) is noticed
        // by the stall time-out and shutdown is never stuck in the driver.
        var context = avformat_alloc_context()
        context?.pointee.flags |= AVFMT_FLAG_NONBLOCK
        let opened = avformat_open_input(&context, arguments.url, format, &options)
        guard opened >= 0, let context else {
            throw CameraError.deviceUnavailable(arguments.url, reason: FFmpegError("avformat_open_input", code: opened).message)
        }
        self.context = context
        do {
            let found = avformat_find_stream_info(context, nil)
            if found < 0 { throw CameraError.deviceUnavailable(arguments.url, reason: FFmpegError("avformat_find_stream_info", code: found).message) }
            let index = av_find_best_stream(context, mediaType, -1, -1, nil, 0)
            guard index >= 0 else {
                throw mediaType == AVMEDIA_TYPE_VIDEO ? CameraError.noVideoStream(arguments.url)
                    : CameraError.deviceUnavailable(arguments.url, reason: "no audio stream")
            }
            streamIndex = index
            guard let packet = av_packet_alloc() else { throw CameraError.deviceUnavailable(arguments.url, reason: "out of memory") }
            self.packet = packet
        } catch {
            close()
            throw error
        }
    }

    deinit { assert(context == nil, "CaptureInput dropped without close()") }

    /// The stream's codec parameters (valid until `close()`).
    var parameters: UnsafeMutablePointer<AVCodecParameters> {
        context!.pointee.streams[Int(streamIndex)]!.pointee.codecpar
    }

    var timeBase: AVRational { context!.pointee.streams[Int(streamIndex)]!.pointee.time_base }

    /// The next packet of the stream (owned by the input: valid until the next `read`);
    /// throws `deviceLost` at end of input, on a device error or after `stallSeconds`
    /// without a packet; nil once `shouldStop` says so.
    func read(stallSeconds: Double = 5, shouldStop: () -> Bool) throws -> UnsafeMutablePointer<AVPacket>? {
        guard let context, let packet else { throw CameraError.deviceLost(arguments.url, reason: "closed") }
        let deadline = ContinuousClock.now + .milliseconds(Int64(stallSeconds * 1000))
        while true {
            av_packet_unref(packet)
            if shouldStop() { return nil }
            let result = av_read_frame(context, packet)
            if result == cffmpeg_averror(EAGAIN) {
                if ContinuousClock.now > deadline {
                    throw CameraError.deviceLost(arguments.url, reason: "no frames for \(Int(stallSeconds)) s")
                }
                usleep(2_000)
                continue
            }
            if result < 0 {
                let reason = result == cffmpeg_error_eof ? "end of input" : FFmpegError("av_read_frame", code: result).message
                throw CameraError.deviceLost(arguments.url, reason: reason)
            }
            if packet.pointee.stream_index == streamIndex { return packet }
        }
    }

    /// Frees everything; safe to call twice.
    func close() {
        if packet != nil { av_packet_free(&packet) }
        if context != nil { avformat_close_input(&context) }
    }
}

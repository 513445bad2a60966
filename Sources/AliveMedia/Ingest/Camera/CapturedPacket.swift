import CFFmpeg

/// One captured packet moved from the capture thread to the encode thread, with its
/// timestamp on the source's millisecond clock.
///
/// `@unchecked Sendable`: the packet has exactly one owner at a time. The capture thread
/// fills it and hands it to `FrameQueue` without keeping a reference; the encode thread
/// takes it out, uses it and closes it. The libav buffer it refers to is reference-counted
/// and never touched by the capture side again.
final class CapturedPacket: @unchecked Sendable {
    private(set) var pointer: UnsafeMutablePointer<AVPacket>?
    let timestampMilliseconds: Int64
    /// Frames the queue dropped just before this one (a pass-through stream must then
    /// wait for the next keyframe).
    var droppedBefore: UInt64 = 0

    /// Takes over `packet`'s buffer (the source packet is left empty).
    init(moving packet: UnsafeMutablePointer<AVPacket>, timestampMilliseconds: Int64) throws {
        guard let own = av_packet_alloc() else { throw CameraError.encodeFailed("out of memory") }
        av_packet_move_ref(own, packet)
        pointer = own
        self.timestampMilliseconds = timestampMilliseconds
    }

    deinit { assert(pointer == nil, "CapturedPacket dropped without close()") }

    var byteCount: Int { Int(pointer?.pointee.size ?? 0) }

    /// Frees the packet; safe to call twice.
    func close() {
        if pointer != nil { av_packet_free(&pointer) }
    }
}

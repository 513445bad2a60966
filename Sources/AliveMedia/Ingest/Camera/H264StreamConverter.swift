import NIOCore

/// Turns an H.264 byte stream (an encoder's output or a camera's own H.264), one access
/// unit at a time, into segmenter input: the decoder configuration whenever the stream's
/// SPS/PPS change, then each frame as length-prefixed NAL units.
struct H264StreamConverter {
    private(set) var decoderConfiguration: [UInt8]?
    /// After a gap (dropped frames) or at the start: frames are skipped until a keyframe.
    private(set) var waitingForKeyframe = true

    mutating func gap() { waitingForKeyframe = true }

    /// The inputs for one access unit (Annex B), in order; empty when it is skipped.
    mutating func convert(annexB bytes: UnsafeRawBufferPointer, decodeTimestamp: Int64, presentationTimestamp: Int64,
                          keyframeFlag: Bool) -> [MediaInput] {
        let units = AnnexB.nalUnits(bytes)
        var sps: [UInt8]?, pps: [UInt8]?
        for unit in units where !unit.isEmpty {
            switch unit[0] & 0x1F {
            case AnnexB.nalSPS: sps = Array(unit)
            case AnnexB.nalPPS: pps = Array(unit)
            default: break
            }
        }
        var inputs: [MediaInput] = []
        if let sps, let pps, let record = AnnexB.decoderConfigurationRecord(sps: sps, pps: pps), record != decoderConfiguration {
            decoderConfiguration = record
            inputs.append(.videoConfiguration(ByteBuffer(bytes: record)))
        }
        let isKeyframe = keyframeFlag || AnnexB.containsIDR(units)
        if waitingForKeyframe {
            guard isKeyframe, decoderConfiguration != nil else { return inputs }
            waitingForKeyframe = false
        }
        let payload = AnnexB.lengthPrefixed(units)
        guard !payload.isEmpty else { return inputs }
        inputs.append(.video(MediaPacket(decodeTimestamp: decodeTimestamp, compositionOffset: max(0, presentationTimestamp - decodeTimestamp),
                                         isKeyframe: isKeyframe, data: ByteBuffer(bytes: payload))))
        return inputs
    }
}

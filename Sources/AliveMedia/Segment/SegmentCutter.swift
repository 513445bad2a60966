import NIOCore

/// The segmenter's cutting policy as a state machine that returns actions:
/// discovering tracks → awaiting a keyframe → in a segment (→ cut → in the next one).
/// It performs no I/O and calls no libav: `Segmenter` carries the actions out (`TSMuxer`,
/// the ring) and reports back the outcomes that change the course (`segmentOpenFailed`,
/// `segmentClosed`).
///
/// Rules: a segment starts at a video keyframe (any audio frame for audio-only streams)
/// and is cut at the first one at least the target duration after its start; durations
/// come from timestamps. Successive publishes are laid end to end on one output timeline,
/// the first segment of each join is a discontinuity. While a publish's tracks are not
/// known (no metadata, or a track announced but not configured yet), media is held, up to
/// the discovery caps (time span, packets, bytes), then released as it is.
struct SegmentCutter {
    enum Track: Sendable, Equatable { case video, audio }

    /// A segment to open: its tracks and, for video, the keyframe it starts with.
    struct Opening {
        var startMilliseconds: Int64
        var discontinuity: Bool
        var video: TSMuxer.VideoTrack?
        var audio: TSMuxer.AudioTrack?
        /// For the keyframe tap.
        var keyframe: SegmentKeyframe?
    }

    /// A frame to write into the open segment; timestamps on the output timeline.
    struct Frame {
        var track: Track
        var decodeTimestamp: Int64
        var presentationTimestamp: Int64
        var isKeyframe: Bool
        var data: ByteBuffer
    }

    /// The segment to close: `end` is where its duration runs to.
    struct Closing: Equatable {
        var startMilliseconds: Int64
        var endMilliseconds: Int64
        var discontinuity: Bool
    }

    enum DropReason: Equatable {
        /// The frame's track has no decoder configuration.
        case noDecoderConfiguration
        /// No segment can start with it (before the first keyframe, or after the tracks changed).
        case awaitingKeyframe
        case nonIncreasingTimestamp(decodeTimestamp: Int64, last: Int64)
    }

    enum Action {
        case open(Opening)
        case write(Frame)
        case close(Closing)
        /// Counted, never written.
        case drop(DropReason)
        /// A decoder configuration that cannot be parsed; the one in force stays.
        case ignoreConfiguration(Track, byteCount: Int)
    }

    private struct OpenSegment {
        var startMilliseconds: Int64
        /// End of its last frame so far.
        var endMilliseconds: Int64
        var discontinuity: Bool
        /// A decoder configuration changed: cut at the next frame a segment can start with,
        /// dropping until then.
        var tracksChanged = false
    }

    private enum State {
        /// No segment open, the publish's tracks not known yet: media is held (bounded).
        case discoveringTracks(held: [(Track, MediaPacket)], bytes: Int)
        /// No segment open: the next frame a segment can start with opens one.
        case awaitingKeyframe
        case inSegment(OpenSegment)
    }

    var configuration: Segmenter.Configuration
    private var state: State = .awaitingKeyframe

    // Per publish.
    private var metadata = StreamMetadata()
    private var videoConfiguration: [UInt8]?
    private var audioConfiguration: (bytes: [UInt8], config: AudioSpecificConfig)?
    private var timelineOffset: Int64?

    // Per output timeline.
    private var timelineEnd: Int64 = 0
    /// The next segment opened is a discontinuity.
    private var joinPending = false
    /// A publish started: its first segment is a discontinuity if the timeline has media.
    private var joinsTimeline = false
    private var lastDecodeTimestamp: [Track: Int64] = [:]
    private var lastVideoFrameDuration: Int64 = 33

    init(configuration: Segmenter.Configuration) {
        self.configuration = configuration
    }

    /// Bytes held while the tracks are not known yet.
    var heldBytes: Int {
        if case .discoveringTracks(_, let bytes) = state { return bytes }
        return 0
    }

    var isInSegment: Bool {
        if case .inSegment = state { return true }
        return false
    }

    // MARK: Inputs

    mutating func handle(_ input: MediaInput) -> [Action] {
        switch input {
        case .publishStarted:
            let actions = closeSegment()
            metadata = StreamMetadata()
            videoConfiguration = nil
            audioConfiguration = nil
            timelineOffset = nil
            lastDecodeTimestamp.removeAll()
            // Decided at its first segment, once the segment closed above has moved the timeline.
            joinPending = false
            joinsTimeline = true
            state = .discoveringTracks(held: [], bytes: 0)
            return actions
        case .metadata(let metadata):
            self.metadata = metadata
            return releaseIfTracksKnown()
        case .videoConfiguration(let buffer):
            let bytes = Array(buffer.readableBytesView)
            guard bytes.first == 1, bytes.count >= 7 else { return [.ignoreConfiguration(.video, byteCount: bytes.count)] }
            if videoConfiguration != bytes {
                markTracksChanged()
                videoConfiguration = bytes
            }
            return releaseIfTracksKnown()
        case .audioConfiguration(let buffer):
            let bytes = Array(buffer.readableBytesView)
            guard let config = AudioSpecificConfig(bytes) else { return [.ignoreConfiguration(.audio, byteCount: bytes.count)] }
            if audioConfiguration?.bytes != bytes {
                markTracksChanged()
                audioConfiguration = (bytes, config)
            }
            return releaseIfTracksKnown()
        case .video(let packet):
            return media(.video, packet)
        case .audio(let packet):
            return media(.audio, packet)
        case .publishEnded:
            return finish()
        }
    }

    /// End of a publish or shutdown: what is held is released, the open segment closed.
    mutating func finish() -> [Action] {
        release() + closeSegment()
    }

    /// The muxer could not open the segment `opening` asked for: nothing is open, and the
    /// join it would have carried goes to the next one.
    mutating func segmentOpenFailed(_ opening: Opening) {
        guard case .inSegment(let segment) = state, segment.startMilliseconds == opening.startMilliseconds else { return }
        state = .awaitingKeyframe
        joinPending = joinPending || opening.discontinuity
    }

    /// The muxer finished a segment: the output timeline runs at least to its end (a
    /// segment that could not be finished does not move it).
    mutating func segmentClosed(_ closing: Closing) {
        timelineEnd = max(timelineEnd, closing.endMilliseconds)
    }

    // MARK: Track discovery

    private var expectsVideo: Bool { metadata.hasVideo ?? (videoConfiguration != nil) }
    private var expectsAudio: Bool { metadata.hasAudio ?? (audioConfiguration != nil) }

    private var tracksKnown: Bool {
        guard metadata.hasVideo != nil || metadata.hasAudio != nil else { return false }
        return (!expectsVideo || videoConfiguration != nil) && (!expectsAudio || audioConfiguration != nil)
    }

    private mutating func markTracksChanged() {
        if case .inSegment(var segment) = state {
            segment.tracksChanged = true
            state = .inSegment(segment)
        }
    }

    private mutating func media(_ track: Track, _ packet: MediaPacket) -> [Action] {
        if case .awaitingKeyframe = state, !tracksKnown { state = .discoveringTracks(held: [], bytes: 0) }
        guard case .discoveringTracks(var held, var bytes) = state else { return cut(track, packet) }
        if tracksKnown { return release() + cut(track, packet) }
        held.append((track, packet))
        bytes += packet.data.readableBytes
        state = .discoveringTracks(held: held, bytes: bytes)
        let span = (held.last?.1.decodeTimestamp ?? 0) - (held.first?.1.decodeTimestamp ?? 0)
        guard span >= configuration.trackDiscoveryMilliseconds || held.count >= configuration.trackDiscoveryPackets
            || bytes >= configuration.trackDiscoveryBytes else { return [] }
        // Waiting longer would delay the stream: go on with the tracks configured so far.
        return release()
    }

    private mutating func releaseIfTracksKnown() -> [Action] {
        guard case .discoveringTracks = state, tracksKnown else { return [] }
        return release()
    }

    /// Cuts what discovery held, in arrival order.
    private mutating func release() -> [Action] {
        guard case .discoveringTracks(let held, _) = state else { return [] }
        state = .awaitingKeyframe
        return held.flatMap { cut($0.0, $0.1) }
    }

    // MARK: Cutting

    private mutating func cut(_ track: Track, _ packet: MediaPacket) -> [Action] {
        let hasVideoTrack = videoConfiguration != nil
        guard (track == .video && hasVideoTrack) || (track == .audio && audioConfiguration != nil) else {
            return [.drop(.noDecoderConfiguration)]
        }
        let canStartSegment = track == .video ? packet.isKeyframe : !hasVideoTrack
        let offset: Int64
        if let timelineOffset {
            offset = timelineOffset
        } else {
            // The publish joins the output timeline where the previous one ended, at the
            // first frame a segment can start with (anything earlier is undecodable).
            guard canStartSegment else { return [.drop(.awaitingKeyframe)] }
            offset = timelineEnd - packet.decodeTimestamp
            timelineOffset = offset
        }
        let dts = packet.decodeTimestamp + offset
        let pts = max(packet.presentationTimestamp + offset, dts)
        if let last = lastDecodeTimestamp[track], dts <= last {
            return [.drop(.nonIncreasingTimestamp(decodeTimestamp: dts, last: last))]
        }

        var actions: [Action] = []
        switch state {
        case .inSegment(let segment) where segment.tracksChanged:
            guard canStartSegment else { return [.drop(.awaitingKeyframe)] }
            actions += closeSegment(endingAt: pts)
            joinPending = true
            actions.append(openSegment(startingAt: pts, track: track, packet: packet))
        case .inSegment(let segment):
            if canStartSegment && pts - segment.startMilliseconds >= configuration.targetDurationMilliseconds {
                actions += closeSegment(endingAt: pts)
                actions.append(openSegment(startingAt: pts, track: track, packet: packet))
            }
        case .awaitingKeyframe, .discoveringTracks:
            guard canStartSegment else { return [.drop(.awaitingKeyframe)] }
            actions.append(openSegment(startingAt: pts, track: track, packet: packet))
        }
        guard case .inSegment(var segment) = state else { return actions }

        if let previous = lastDecodeTimestamp[track], track == .video { lastVideoFrameDuration = max(1, dts - previous) }
        lastDecodeTimestamp[track] = dts
        let frameDuration: Int64 = track == .video
            ? lastVideoFrameDuration
            : Int64((audioConfiguration?.config.frameDurationMilliseconds ?? 23).rounded())
        segment.endMilliseconds = max(segment.endMilliseconds, pts + frameDuration)
        state = .inSegment(segment)
        actions.append(.write(Frame(track: track, decodeTimestamp: dts, presentationTimestamp: pts,
                                    isKeyframe: packet.isKeyframe || track == .audio, data: packet.data)))
        return actions
    }

    private mutating func openSegment(startingAt start: Int64, track: Track, packet: MediaPacket) -> Action {
        let opening = Opening(
            startMilliseconds: start, discontinuity: joinPending || (joinsTimeline && timelineEnd > 0),
            video: videoConfiguration.map { TSMuxer.VideoTrack(decoderConfiguration: $0, width: metadata.width, height: metadata.height) },
            audio: audioConfiguration.map { TSMuxer.AudioTrack(audioSpecificConfig: $0.bytes, config: $0.config) },
            keyframe: track == .video
                ? videoConfiguration.map { SegmentKeyframe(decoderConfiguration: $0, packet: packet, segmentStartMilliseconds: start) }
                : nil)
        joinPending = false
        joinsTimeline = false
        state = .inSegment(OpenSegment(startMilliseconds: start, endMilliseconds: start, discontinuity: opening.discontinuity))
        return .open(opening)
    }

    /// Closes the open segment; its duration runs to `end`, or to the end of its last frame.
    private mutating func closeSegment(endingAt end: Int64? = nil) -> [Action] {
        guard case .inSegment(let segment) = state else { return [] }
        state = .awaitingKeyframe
        return [.close(Closing(startMilliseconds: segment.startMilliseconds, endMilliseconds: end ?? segment.endMilliseconds,
                               discontinuity: segment.discontinuity))]
    }
}

import Logging
import NIOCore

/// Cuts the media of successive publishes into MPEG-TS segments in the ring.
///
/// Rules: a segment starts at a video keyframe (any audio frame for audio-only streams)
/// and is cut at the first one at least `targetDuration` after its start; durations come
/// from timestamps. Successive publishes are laid end to end on one output timeline
/// (timestamps continue), the first segment of each join is a discontinuity.
///
/// Not thread-safe: `SegmenterPipeline` runs it on one serial queue.
public final class Segmenter {
    public struct Configuration: Sendable {
        /// Target segment duration, 1...10 s.
        public var targetDurationMilliseconds: Int64
        /// Media buffered while waiting to learn which tracks a publish has (bounded).
        public var trackDiscoveryMilliseconds: Int64 = 1_000
        public var trackDiscoveryPackets = 300
        /// …and by bytes: 300 packets of a publisher's 8 MiB messages would be 2.4 GiB.
        /// 2 MiB is a second of 16 Mbit/s video, more than any encoder sends before its
        /// decoder configuration.
        public var trackDiscoveryBytes = 2 << 20

        public init(targetDurationSeconds: Int = 10) {
            self.targetDurationMilliseconds = Int64(targetDurationSeconds) * 1000
        }
    }

    public struct Counters: Sendable, Equatable {
        public var videoFrames: UInt64 = 0
        public var audioFrames: UInt64 = 0
        public var bytesIn: UInt64 = 0
        /// Frames dropped: before the first keyframe, non-monotonic timestamps, no codec config.
        public var framesDropped: UInt64 = 0
        public var segmentsProduced: UInt64 = 0
        public var segmentsOverTarget: UInt64 = 0
        public var muxerErrors: UInt64 = 0
    }

    private enum Track { case video, audio }

    private var configuration: Configuration
    private let ring: SegmentRing
    private let logger: Logger
    private let keyframeTap: (any KeyframeTap)?
    public private(set) var counters = Counters()

    // Per publish.
    private var metadata = StreamMetadata()
    private var videoConfiguration: [UInt8]?
    private var audioConfiguration: (bytes: [UInt8], config: AudioSpecificConfig)?
    private var timelineOffset: Int64?
    private var pending: [(Track, MediaPacket)] = []
    private var pendingBytes = 0
    /// Bytes held while the tracks are not yet known (tests check the cap).
    var discoveryBufferedBytes: Int { pendingBytes }
    private var tracksChanged = false

    // Per output timeline.
    private var timelineEnd: Int64 = 0
    private var joinPending = false
    private var lastDecodeTimestamp: [Track: Int64] = [:]
    private var lastVideoFrameDuration: Int64 = 33

    // Per segment.
    private var muxer: TSMuxer?
    private var writer: SegmentWriter?
    private var segmentStart: Int64 = 0
    private var segmentEnd: Int64 = 0
    private var segmentDiscontinuity = false

    /// `keyframeTap` gets the keyframe each segment starts with (e.g. for a thumbnail).
    public init(configuration: Configuration, ring: SegmentRing, logger: Logger, keyframeTap: (any KeyframeTap)? = nil) {
        self.configuration = configuration
        self.ring = ring
        self.logger = logger
        self.keyframeTap = keyframeTap
    }

    deinit { assert(muxer == nil, "Segmenter dropped with an open segment: call finish()") }

    /// Takes effect from the next cut (a running segment keeps the target it started with
    /// only as far as it has already grown past it).
    public func setTargetDuration(seconds: Int) {
        configuration.targetDurationMilliseconds = Int64(seconds) * 1000
    }

    public func handle(_ input: MediaInput) {
        switch input {
        case .publishStarted:
            closeSegment()
            metadata = StreamMetadata()
            videoConfiguration = nil
            audioConfiguration = nil
            timelineOffset = nil
            pending.removeAll()
            pendingBytes = 0
            lastDecodeTimestamp.removeAll()
            joinPending = counters.segmentsProduced > 0 || timelineEnd > 0
        case .metadata(let metadata):
            self.metadata = metadata
        case .videoConfiguration(let buffer):
            let bytes = Array(buffer.readableBytesView)
            guard bytes.first == 1, bytes.count >= 7 else {
                logger.warning("ignoring malformed H.264 decoder configuration", metadata: ["media.bytes": "\(bytes.count)"])
                return
            }
            if videoConfiguration != bytes {
                if videoConfiguration != nil || muxer != nil { tracksChanged = true }
                videoConfiguration = bytes
            }
        case .audioConfiguration(let buffer):
            let bytes = Array(buffer.readableBytesView)
            guard let config = AudioSpecificConfig(bytes) else {
                logger.warning("ignoring malformed AAC AudioSpecificConfig", metadata: ["media.bytes": "\(bytes.count)"])
                return
            }
            if audioConfiguration?.bytes != bytes {
                if audioConfiguration != nil || muxer != nil { tracksChanged = true }
                audioConfiguration = (bytes, config)
            }
        case .video(let packet):
            counters.bytesIn += UInt64(packet.data.readableBytes)
            ingest(.video, packet)
        case .audio(let packet):
            counters.bytesIn += UInt64(packet.data.readableBytes)
            ingest(.audio, packet)
        case .publishEnded:
            flushPending(force: true)
            closeSegment()
        }
    }

    /// Closes the open segment (shutdown).
    public func finish() {
        flushPending(force: true)
        closeSegment()
    }

    // MARK: Track discovery

    private var expectsVideo: Bool { metadata.hasVideo ?? (videoConfiguration != nil) }
    private var expectsAudio: Bool { metadata.hasAudio ?? (audioConfiguration != nil) }

    private var tracksKnown: Bool {
        guard metadata.hasVideo != nil || metadata.hasAudio != nil else { return false }
        return (!expectsVideo || videoConfiguration != nil) && (!expectsAudio || audioConfiguration != nil)
    }

    private func ingest(_ track: Track, _ packet: MediaPacket) {
        if muxer == nil && !tracksKnown {
            pending.append((track, packet))
            pendingBytes += packet.data.readableBytes
            flushPending(force: false)
            return
        }
        process(track, packet)
    }

    /// Releases buffered packets once the tracks are known, or when waiting longer would
    /// delay the stream (no metadata, or a track announced but never configured).
    private func flushPending(force: Bool) {
        guard !pending.isEmpty else { return }
        let span = (pending.last?.1.decodeTimestamp ?? 0) - (pending.first?.1.decodeTimestamp ?? 0)
        guard force || tracksKnown || span >= configuration.trackDiscoveryMilliseconds || pending.count >= configuration.trackDiscoveryPackets
                || pendingBytes >= configuration.trackDiscoveryBytes else { return }
        let packets = pending
        pending.removeAll()
        pendingBytes = 0
        for (track, packet) in packets { process(track, packet) }
    }

    // MARK: Cutting

    private func process(_ track: Track, _ packet: MediaPacket) {
        let hasVideoTrack = videoConfiguration != nil
        guard (track == .video && hasVideoTrack) || (track == .audio && audioConfiguration != nil) else {
            dropFrame()   // no decoder configuration for this track
            return
        }
        let canStartSegment = track == .video ? packet.isKeyframe : !hasVideoTrack
        if timelineOffset == nil {
            // The publish joins the output timeline where the previous one ended, at the
            // first frame a segment can start with (anything earlier is undecodable).
            guard canStartSegment else {
                dropFrame()
                return
            }
            timelineOffset = timelineEnd - packet.decodeTimestamp
        }
        let offset = timelineOffset!
        let dts = packet.decodeTimestamp + offset
        let pts = max(packet.presentationTimestamp + offset, dts)

        if let last = lastDecodeTimestamp[track], dts <= last {
            dropFrame()
            logger.debug("dropping frame with non-increasing timestamp", metadata: ["media.dts": "\(dts)", "media.last_dts": "\(last)"])
            return
        }

        var startsSegment = false
        if muxer == nil {
            guard canStartSegment else {
                dropFrame()   // waiting for a keyframe
                return
            }
            startsSegment = openSegment(startingAt: pts)
        } else if tracksChanged {
            guard canStartSegment else {
                dropFrame()
                return
            }
            closeSegment(endingAt: pts)
            joinPending = true
            startsSegment = openSegment(startingAt: pts)
        } else if canStartSegment && pts - segmentStart >= configuration.targetDurationMilliseconds {
            closeSegment(endingAt: pts)
            startsSegment = openSegment(startingAt: pts)
        }
        guard let muxer else { return }
        if startsSegment, track == .video, let keyframeTap, let videoConfiguration {
            keyframeTap.segmentStarted(with: SegmentKeyframe(decoderConfiguration: videoConfiguration, packet: packet, segmentStartMilliseconds: pts))
        }

        if let previous = lastDecodeTimestamp[track], track == .video { lastVideoFrameDuration = max(1, dts - previous) }
        lastDecodeTimestamp[track] = dts
        let frameDuration: Int64 = track == .video
            ? lastVideoFrameDuration
            : Int64((audioConfiguration?.config.frameDurationMilliseconds ?? 23).rounded())
        segmentEnd = max(segmentEnd, pts + frameDuration)

        let streamIndex = track == .video ? muxer.videoStreamIndex : muxer.audioStreamIndex
        guard let streamIndex else {
            dropFrame()
            return
        }
        do {
            try muxer.write(streamIndex: streamIndex, decodeTimestamp: dts, presentationTimestamp: pts, isKeyframe: packet.isKeyframe || track == .audio, data: packet.data)
            if track == .video {
                counters.videoFrames += 1
                MediaMetrics.videoFrames.increment()
            } else {
                counters.audioFrames += 1
                MediaMetrics.audioFrames.increment()
            }
        } catch {
            counters.muxerErrors += 1
            dropFrame()
            logger.error("muxer refused a frame", metadata: ["error": "\(error)"])
        }
    }

    private func dropFrame() {
        counters.framesDropped += 1
        MediaMetrics.framesDropped.increment()
    }

    /// Returns whether a segment is open now.
    private func openSegment(startingAt start: Int64) -> Bool {
        tracksChanged = false
        let writer = ring.openWriter()
        let video = videoConfiguration.map { TSMuxer.VideoTrack(decoderConfiguration: $0, width: metadata.width, height: metadata.height) }
        let audio = audioConfiguration.map { TSMuxer.AudioTrack(audioSpecificConfig: $0.bytes, config: $0.config) }
        do {
            muxer = try TSMuxer(video: video, audio: audio, writer: writer)
            self.writer = writer
            segmentStart = start
            segmentEnd = start
            segmentDiscontinuity = joinPending
            joinPending = false
            return true
        } catch {
            writer.abandon()
            counters.muxerErrors += 1
            logger.error("cannot start a segment", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Closes the open segment; its duration runs to `end`, or to the end of its last frame.
    private func closeSegment(endingAt end: Int64? = nil) {
        guard let muxer, let writer else { return }
        self.muxer = nil
        self.writer = nil
        let hasVideo = muxer.videoStreamIndex != nil
        let hasAudio = muxer.audioStreamIndex != nil
        do {
            try muxer.finish()
        } catch {
            counters.muxerErrors += 1
            logger.error("cannot finish a segment", metadata: ["error": "\(error)"])
            writer.abandon()
            return
        }
        let end = end ?? segmentEnd
        timelineEnd = max(timelineEnd, end)
        let duration = max(end - segmentStart, 1)
        let description = SegmentDescription(
            durationMilliseconds: duration, startMilliseconds: segmentStart,
            discontinuity: segmentDiscontinuity, hasVideo: hasVideo, hasAudio: hasAudio
        )
        let byteCount = writer.byteCount
        guard let segment = writer.close(description) else {
            logger.error("segment refused: larger than the ring budget", metadata: [
                "segment.bytes": "\(byteCount)", "ring.budget_bytes": "\(ring.configuration.budgetBytes)",
            ])
            return
        }
        counters.segmentsProduced += 1
        if duration > configuration.targetDurationMilliseconds + 500 {
            counters.segmentsOverTarget += 1
            logger.warning("segment longer than the target duration: the encoder's keyframe interval is too long", metadata: [
                "segment.sequence": "\(segment.sequence)", "segment.duration_ms": "\(duration)",
                "segment.target_ms": "\(configuration.targetDurationMilliseconds)",
            ])
        }
    }
}

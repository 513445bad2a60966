import Logging
import NIOCore

/// Cuts the media of successive publishes into MPEG-TS segments in the ring: carries out
/// what `SegmentCutter` (the cutting policy and its rules) decides, with one `TSMuxer` per
/// segment and the ring's writer.
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
        /// Frames dropped: before the first keyframe, non-monotonic timestamps, no codec config,
        /// refused by the muxer or meant for a segment it could not open.
        public var framesDropped: UInt64 = 0
        public var segmentsProduced: UInt64 = 0
        public var segmentsOverTarget: UInt64 = 0
        public var muxerErrors: UInt64 = 0
    }

    private var cutter: SegmentCutter
    private let ring: SegmentRing
    private let logger: Logger
    private let keyframeTap: (any KeyframeTap)?
    public private(set) var counters = Counters()

    /// The open segment: its muxer and ring pages.
    private var muxer: TSMuxer?
    private var writer: SegmentWriter?

    /// Bytes held while the tracks are not yet known (tests check the cap).
    var discoveryBufferedBytes: Int { cutter.heldBytes }

    /// `keyframeTap` gets the keyframe each segment starts with (e.g. for a thumbnail).
    public init(configuration: Configuration, ring: SegmentRing, logger: Logger, keyframeTap: (any KeyframeTap)? = nil) {
        self.cutter = SegmentCutter(configuration: configuration)
        self.ring = ring
        self.logger = logger
        self.keyframeTap = keyframeTap
    }

    deinit { assert(muxer == nil, "Segmenter dropped with an open segment: call finish()") }

    /// Takes effect from the next cut (a running segment keeps the target it started with
    /// only as far as it has already grown past it).
    public func setTargetDuration(seconds: Int) {
        cutter.configuration.targetDurationMilliseconds = Int64(seconds) * 1000
    }

    public func handle(_ input: MediaInput) {
        switch input {
        case .video(let packet), .audio(let packet): counters.bytesIn += UInt64(packet.data.readableBytes)
        default: break
        }
        perform(cutter.handle(input))
    }

    /// Closes the open segment (shutdown).
    public func finish() {
        perform(cutter.finish())
    }

    // MARK: Carrying out the cutter's actions

    private func perform(_ actions: [SegmentCutter.Action]) {
        for action in actions {
            switch action {
            case .open(let opening):
                openSegment(opening)
            case .write(let frame):
                write(frame)
            case .close(let closing):
                closeSegment(closing)
            case .drop(let reason):
                dropFrame()
                if case .nonIncreasingTimestamp(let dts, let last) = reason {
                    logger.debug("dropping frame with non-increasing timestamp", metadata: ["media.dts": "\(dts)", "media.last_dts": "\(last)"])
                }
            case .ignoreConfiguration(let track, let byteCount):
                logger.warning(track == .video ? "ignoring malformed H.264 decoder configuration" : "ignoring malformed AAC AudioSpecificConfig",
                               metadata: ["media.bytes": "\(byteCount)"])
            }
        }
    }

    private func write(_ frame: SegmentCutter.Frame) {
        guard let muxer else {
            dropFrame()   // its segment could not be opened
            return
        }
        do {
            guard try muxer.write(frame) else {
                dropFrame()   // a track configured after the segment opened: it has no stream for it
                return
            }
            if frame.track == .video {
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

    private func openSegment(_ opening: SegmentCutter.Opening) {
        let writer = ring.openWriter()
        do {
            muxer = try TSMuxer(video: opening.video, audio: opening.audio, writer: writer)
            self.writer = writer
        } catch {
            writer.abandon()
            counters.muxerErrors += 1
            cutter.segmentOpenFailed(opening)
            logger.error("cannot start a segment", metadata: ["error": "\(error)"])
            return
        }
        if let keyframeTap, let keyframe = opening.keyframe { keyframeTap.segmentStarted(with: keyframe) }
    }

    private func closeSegment(_ closing: SegmentCutter.Closing) {
        guard let muxer, let writer else { return }
        self.muxer = nil
        self.writer = nil
        do {
            try muxer.finish()
        } catch {
            counters.muxerErrors += 1
            logger.error("cannot finish a segment", metadata: ["error": "\(error)"])
            writer.abandon()
            return
        }
        cutter.segmentClosed(closing)
        let duration = max(closing.endMilliseconds - closing.startMilliseconds, 1)
        let description = SegmentDescription(
            durationMilliseconds: duration, startMilliseconds: closing.startMilliseconds,
            discontinuity: closing.discontinuity, hasVideo: muxer.hasVideo, hasAudio: muxer.hasAudio
        )
        let byteCount = writer.byteCount
        guard let segment = writer.close(description) else {
            logger.error("segment refused: larger than the ring budget", metadata: [
                "segment.bytes": "\(byteCount)", "ring.budget_bytes": "\(ring.configuration.budgetBytes)",
            ])
            return
        }
        counters.segmentsProduced += 1
        let target = cutter.configuration.targetDurationMilliseconds
        if duration > target + 500 {
            counters.segmentsOverTarget += 1
            logger.warning("segment longer than the target duration: the encoder's keyframe interval is too long", metadata: [
                "segment.sequence": "\(segment.sequence)", "segment.duration_ms": "\(duration)",
                "segment.target_ms": "\(target)",
            ])
        }
    }
}

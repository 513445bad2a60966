import NIOCore
import Testing
@testable import AliveMedia

/// The cutting policy on its own: media inputs in, actions out (no muxer, no ring).
struct SegmentCutterTests {
    private static let avc: [UInt8] = [1, 0x64, 0, 0x1f, 0xff, 0xe1, 0]
    /// AAC LC, 48 kHz, stereo: 1024 samples are 21 ms.
    private static let aac: [UInt8] = [0x11, 0x90]

    private static func video(_ dts: Int64, key: Bool = false, bytes: Int = 10) -> MediaInput {
        .video(MediaPacket(decodeTimestamp: dts, isKeyframe: key, data: ByteBuffer(repeating: 0, count: bytes)))
    }

    private static func audio(_ dts: Int64) -> MediaInput {
        .audio(MediaPacket(decodeTimestamp: dts, isKeyframe: false, data: ByteBuffer(repeating: 0, count: 4)))
    }

    private static let videoConfiguration = MediaInput.videoConfiguration(ByteBuffer(bytes: avc))
    private static let audioConfiguration = MediaInput.audioConfiguration(ByteBuffer(bytes: aac))

    private static func cutter(targetSeconds: Int = 2) -> SegmentCutter {
        SegmentCutter(configuration: Segmenter.Configuration(targetDurationSeconds: targetSeconds))
    }

    /// Feeds `inputs` and renders the actions, reporting every close back as the segmenter
    /// does once the muxer has finished it.
    private static func feed(_ cutter: inout SegmentCutter, _ inputs: MediaInput...) -> [String] {
        inputs.flatMap { input in
            cutter.handle(input).map { action in
                if case .close(let closing) = action { cutter.segmentClosed(closing) }
                return describe(action)
            }
        }
    }

    private static func describe(_ action: SegmentCutter.Action) -> String {
        switch action {
        case .open(let opening):
            let tracks = (opening.video != nil ? "v" : "") + (opening.audio != nil ? "a" : "")
            return "open \(opening.startMilliseconds) \(tracks)" + (opening.discontinuity ? " discontinuity" : "")
                + (opening.keyframe.map { " tap@\($0.segmentStartMilliseconds)" } ?? "")
        case .write(let frame):
            return "write \(frame.track == .video ? "v" : "a") \(frame.decodeTimestamp)" + (frame.isKeyframe ? " key" : "")
        case .close(let closing):
            return "close \(closing.startMilliseconds)-\(closing.endMilliseconds)" + (closing.discontinuity ? " discontinuity" : "")
        case .drop(.noDecoderConfiguration): return "drop unconfigured"
        case .drop(.awaitingKeyframe): return "drop awaiting keyframe"
        case .drop(.nonIncreasingTimestamp(let dts, let last)): return "drop dts \(dts) <= \(last)"
        case .ignoreConfiguration(let track, let count): return "ignore \(track == .video ? "v" : "a") config \(count)"
        }
    }

    /// A publish with both tracks announced and configured: nothing is held.
    private static func publishing(_ cutter: inout SegmentCutter) -> [String] {
        feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), videoConfiguration, audioConfiguration)
    }

    // MARK: discovering tracks

    @Test func mediaIsHeldUntilTheAnnouncedTracksAreConfiguredThenReleasedInOrder() {
        var cutter = Self.cutter()
        #expect(Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), Self.videoConfiguration).isEmpty)
        #expect(Self.feed(&cutter, Self.video(0, key: true), Self.audio(0), Self.video(33)).isEmpty)
        #expect(cutter.heldBytes == 24)
        // The last configuration releases what was held, before any later frame.
        #expect(Self.feed(&cutter, Self.audioConfiguration) == ["open 0 va tap@0", "write v 0 key", "write a 0 key", "write v 33"])
        #expect(cutter.heldBytes == 0)
        #expect(Self.feed(&cutter, Self.video(66)) == ["write v 66"])
    }

    @Test func withoutMetadataMediaIsHeldForOneSecondOfTimestamps() {
        var cutter = Self.cutter()
        _ = Self.feed(&cutter, .publishStarted, Self.videoConfiguration)
        for dts in stride(from: Int64(0), to: 1000, by: 100) {
            #expect(Self.feed(&cutter, Self.video(dts, key: dts == 0)).isEmpty, "held at \(dts) ms")
        }
        let released = Self.feed(&cutter, Self.video(1000))
        #expect(released.first == "open 0 v tap@0")
        #expect(released.count == 12 && released.last == "write v 1000")
        #expect(cutter.heldBytes == 0 && cutter.isInSegment)
    }

    @Test func discoveryIsCappedAt300Packets() {
        var cutter = Self.cutter()
        let configuration = Segmenter.Configuration(targetDurationSeconds: 2)
        #expect(configuration.trackDiscoveryPackets == 300)
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), Self.videoConfiguration)
        for dts in 0..<299 {
            #expect(Self.feed(&cutter, Self.video(Int64(dts), key: dts == 0)).isEmpty)
        }
        #expect(cutter.heldBytes == 2990)
        // The audio track announced never comes: the 300th packet releases everything, video only.
        let released = Self.feed(&cutter, Self.video(299))
        #expect(released.count == 301 && released.first == "open 0 v tap@0")
        #expect(cutter.heldBytes == 0)
    }

    @Test func discoveryIsCappedAt2MiB() {
        var cutter = Self.cutter()
        #expect(Segmenter.Configuration(targetDurationSeconds: 2).trackDiscoveryBytes == 2 << 20)
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), Self.videoConfiguration)
        #expect(Self.feed(&cutter, Self.video(0, key: true, bytes: 1 << 20)).isEmpty)
        #expect(Self.feed(&cutter, Self.video(1, bytes: (1 << 20) - 1)).isEmpty)
        #expect(cutter.heldBytes == (2 << 20) - 1)
        #expect(Self.feed(&cutter, Self.video(2, bytes: 1)) == ["open 0 v tap@0", "write v 0 key", "write v 1", "write v 2"])
    }

    @Test func releasedFramesOfAnUnconfiguredTrackAreDropped() {
        var cutter = Self.cutter()
        _ = Self.feed(&cutter, .publishStarted, Self.audioConfiguration)
        // No metadata, audio configured only: video has no decoder configuration.
        let released = Self.feed(&cutter, Self.video(0, key: true), Self.audio(0), Self.audio(1000))
        #expect(released == ["drop unconfigured", "open 0 a", "write a 0 key", "write a 1000 key"])
    }

    @Test func theEndOfAPublishReleasesWhatIsHeldThenCloses() {
        var cutter = Self.cutter()
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), Self.videoConfiguration)
        _ = Self.feed(&cutter, Self.video(0, key: true), Self.video(33))
        #expect(Self.feed(&cutter, .publishEnded) == ["open 0 v tap@0", "write v 0 key", "write v 33", "close 0-66"])
        #expect(!cutter.isInSegment)
        #expect(cutter.finish().isEmpty, "nothing open, nothing held")
    }

    // MARK: awaiting a keyframe

    @Test func framesBeforeTheFirstKeyframeAreDropped() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        #expect(Self.feed(&cutter, Self.video(0), Self.audio(5), Self.video(33, key: true), Self.audio(40))
            == ["drop awaiting keyframe", "drop awaiting keyframe", "open 0 va tap@0", "write v 0 key", "write a 7 key"])
    }

    @Test func audioOnlyStartsAtAnyFrame() {
        var cutter = Self.cutter(targetSeconds: 1)
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: false, hasAudio: true)), Self.audioConfiguration)
        #expect(Self.feed(&cutter, Self.audio(100), Self.audio(1099), Self.audio(1100))
            == ["open 0 a", "write a 0 key", "write a 999 key", "close 0-1000", "open 1000 a", "write a 1000 key"])
    }

    @Test func malformedConfigurationsAreIgnored() {
        var cutter = Self.cutter()
        #expect(Self.feed(&cutter, .videoConfiguration(ByteBuffer(bytes: [0, 1, 2])), .audioConfiguration(ByteBuffer(bytes: [0xff])))
            == ["ignore v config 3", "ignore a config 1"])
    }

    // MARK: in a segment

    @Test func aKeyframeMidSegmentDoesNotCutOneAtTheTargetDoes() {
        var cutter = Self.cutter(targetSeconds: 2)
        _ = Self.publishing(&cutter)
        _ = Self.feed(&cutter, Self.video(0, key: true))
        // A keyframe 1 s in (before the 2 s target) stays in the segment.
        #expect(Self.feed(&cutter, Self.video(1000, key: true)) == ["write v 1000 key"])
        #expect(Self.feed(&cutter, Self.video(1999)) == ["write v 1999"])
        // Not a keyframe at the target: no cut.
        #expect(Self.feed(&cutter, Self.video(2000)) == ["write v 2000"])
        #expect(Self.feed(&cutter, Self.video(2033, key: true)) == ["close 0-2033", "open 2033 va tap@2033", "write v 2033 key"])
        // Audio never cuts a segment that has video.
        #expect(Self.feed(&cutter, Self.audio(4100)) == ["write a 4100 key"])
    }

    @Test func theTargetChangesFromTheNextCut() {
        var cutter = Self.cutter(targetSeconds: 10)
        _ = Self.publishing(&cutter)
        _ = Self.feed(&cutter, Self.video(0, key: true))
        cutter.configuration.targetDurationMilliseconds = 1000
        #expect(Self.feed(&cutter, Self.video(1000, key: true)) == ["close 0-1000", "open 1000 va tap@1000", "write v 1000 key"])
    }

    @Test func nonIncreasingTimestampsAreDropped() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        #expect(Self.feed(&cutter, Self.video(0, key: true), Self.video(40), Self.video(40), Self.video(30), Self.audio(10), Self.audio(10))
            == ["open 0 va tap@0", "write v 0 key", "write v 40", "drop dts 40 <= 40", "drop dts 30 <= 40", "write a 10 key", "drop dts 10 <= 10"])
    }

    @Test func aNewDecoderConfigurationCutsAtTheNextKeyframeAsADiscontinuity() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        _ = Self.feed(&cutter, Self.video(0, key: true), Self.video(33))
        #expect(Self.feed(&cutter, Self.videoConfiguration).isEmpty, "the same configuration again changes nothing")
        #expect(Self.feed(&cutter, Self.video(66)) == ["write v 66"])
        #expect(Self.feed(&cutter, .videoConfiguration(ByteBuffer(bytes: Self.avc + [0]))).isEmpty)
        // Until a keyframe, frames of the new configuration cannot go into the old segment.
        #expect(Self.feed(&cutter, Self.video(100), Self.audio(110)) == ["drop awaiting keyframe", "drop awaiting keyframe"])
        #expect(Self.feed(&cutter, Self.video(133, key: true)) == ["close 0-133", "open 133 va discontinuity tap@133", "write v 133 key"])
    }

    @Test func aTrackConfiguredAfterTheOpenCutsTooThenItsFramesGoIn() {
        var cutter = Self.cutter()
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true)), Self.videoConfiguration)
        _ = Self.feed(&cutter, Self.video(0, key: true))
        _ = Self.feed(&cutter, Self.audioConfiguration)
        #expect(Self.feed(&cutter, Self.video(33, key: true), Self.audio(40))
            == ["close 0-33", "open 33 va discontinuity tap@33", "write v 33 key", "write a 40 key"])
    }

    // MARK: successive publishes, failures

    @Test func aSecondPublishContinuesTheTimelineAsADiscontinuity() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        _ = Self.feed(&cutter, Self.video(5000, key: true), Self.video(5033))
        // The next publish closes the open segment (to the end of its last frame: 66 ms)…
        #expect(Self.feed(&cutter, .publishStarted) == ["close 0-66"])
        _ = Self.feed(&cutter, .metadata(StreamMetadata(hasVideo: true, hasAudio: false)), Self.videoConfiguration)
        // …and its first keyframe lands where that one ended; its own timestamps start anew.
        #expect(Self.feed(&cutter, Self.video(0), Self.video(20, key: true), Self.video(53))
            == ["drop awaiting keyframe", "open 66 v discontinuity tap@66", "write v 66 key", "write v 99"])
    }

    @Test func aPublishBeforeAnyMediaIsNoDiscontinuity() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        _ = Self.publishing(&cutter)
        #expect(Self.feed(&cutter, Self.video(0, key: true)) == ["open 0 va tap@0", "write v 0 key"])
    }

    @Test func aSegmentTheMuxerCouldNotOpenIsOpenedAgainAtTheNextKeyframe() {
        var cutter = Self.cutter()
        _ = Self.publishing(&cutter)
        _ = Self.feed(&cutter, Self.video(0, key: true))
        _ = Self.feed(&cutter, .publishStarted, .metadata(StreamMetadata(hasVideo: true, hasAudio: true)), Self.videoConfiguration, Self.audioConfiguration)
        let actions = cutter.handle(Self.video(0, key: true))
        guard case .open(let opening) = actions.first else {
            Issue.record("no open: \(actions.map(Self.describe))")
            return
        }
        #expect(opening.discontinuity)
        cutter.segmentOpenFailed(opening)
        #expect(!cutter.isInSegment)
        // Not a keyframe: nothing can start; the next keyframe opens, still the join.
        #expect(Self.feed(&cutter, Self.video(33), Self.video(66, key: true))
            == ["drop awaiting keyframe", "open 99 va discontinuity tap@99", "write v 99 key"])
    }
}

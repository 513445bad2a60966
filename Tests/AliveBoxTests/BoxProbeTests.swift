@testable import AliveBox
@testable import AliveMedia
import AliveControl
import Foundation
import Logging
import NIOPosix
import Testing

@Suite struct BoxProbeTests {
    @Test func idleLineFromTheRealParts() async throws {
        let ring = SegmentRing(configuration: .init(budgetBytes: 4 << 20))
        let pipeline = SegmenterPipeline(segmenter: Segmenter(configuration: .init(targetDurationSeconds: 2), ring: ring, logger: Logger(label: "test")))
        let probe = BoxProbe(ring: ring, coordinator: IngestCoordinator(app: "live", streamKey: "secret-key"),
                             pipeline: pipeline, eventLoops: [MultiThreadedEventLoopGroup.singleton])
        #expect(await probe.statusLine() == "idle, waiting for an encoder; 0 segments; ring 0/4 MiB")
    }

    /// A stuck control plane holds the probe (and so the watchdog ping) back until it is free.
    @Test func probeWaitsForTheControlPlaneThread() async throws {
        let ring = SegmentRing(configuration: .init(budgetBytes: 4 << 20))
        let pipeline = SegmenterPipeline(segmenter: Segmenter(configuration: .init(targetDurationSeconds: 2), ring: ring, logger: Logger(label: "test")))
        let control = ControlPlaneThread()
        let probe = BoxProbe(ring: ring, coordinator: IngestCoordinator(app: "live", streamKey: "secret-key"),
                             pipeline: pipeline, eventLoops: [MultiThreadedEventLoopGroup.singleton, control.group])
        control.group.next().execute { Thread.sleep(forTimeInterval: 0.6) }
        let clock = ContinuousClock()
        let started = clock.now
        _ = await probe.statusLine()
        #expect(clock.now - started >= .milliseconds(400))
        await control.shutdown()
    }

    @Test func publishingLineNamesTheStreamNeverTheKey() {
        var ingest = IngestCoordinator.Status()
        ingest.state = .publishing
        ingest.publisher = "192.0.2.7:50123"
        ingest.metadata = StreamMetadata(width: 1920, height: 1080)
        ingest.videoCodec = "H.264 High 4.1"
        ingest.audioCodec = "AAC-LC 48000 Hz 2 ch"
        var segmenter = Segmenter.Counters()
        segmenter.segmentsProduced = 42
        let ring = SegmentRing.Statistics(budgetBytes: 64 << 20, bytesInUse: 12 << 20, peakBytesInUse: 0, segmentCount: 6,
                                          segmentsClosed: 42, segmentsDropped: 3, segmentsRefused: 0, eventsDropped: 0)
        #expect(BoxProbe.line(ingest: ingest, segmenter: segmenter, ring: ring)
            == "publishing 1920x1080 H.264 High 4.1/AAC-LC 48000 Hz 2 ch from 192.0.2.7:50123; 42 segments; ring 12/64 MiB; 3 dropped")
    }
}

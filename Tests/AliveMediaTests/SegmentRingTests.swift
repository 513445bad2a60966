import Testing
@testable import AliveMedia

struct SegmentRingTests {
    private let page = 4096

    private func ring(pages: Int, window: Int = 2) -> SegmentRing {
        SegmentRing(configuration: .init(budgetBytes: pages * page, pageSize: page, playlistWindow: window))
    }

    /// Writes a segment of `bytes` bytes filled with `fill`.
    @discardableResult
    private func write(_ ring: SegmentRing, bytes: Int, fill: UInt8 = 7, discontinuity: Bool = false) -> Segment? {
        let writer = ring.openWriter()
        let chunk = [UInt8](repeating: fill, count: 1000)
        var left = bytes
        while left > 0 {
            let n = min(left, chunk.count)
            chunk.withUnsafeBytes { writer.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            left -= n
        }
        return writer.close(SegmentDescription(durationMilliseconds: 2000, startMilliseconds: 0, discontinuity: discontinuity, hasVideo: true, hasAudio: true))
    }

    @Test func storesBytesExactlyAndNumbersSegments() throws {
        let ring = ring(pages: 16)
        let first = try #require(write(ring, bytes: 10_000, fill: 1))
        let second = try #require(write(ring, bytes: 5, fill: 2))
        #expect((first.sequence, second.sequence) == (0, 1))
        let lease = try #require(ring.lease(0))
        #expect(lease.bytes() == [UInt8](repeating: 1, count: 10_000))
        #expect(lease.regions.map(\.count) == [4096, 4096, 1808])
        #expect(ring.lease(1)?.bytes() == [2, 2, 2, 2, 2])
        #expect(ring.statistics.bytesInUse == 4 * page)
    }

    @Test func evictsTheOldestUnneededFirstAndNeverExceedsTheBudget() async throws {
        let ring = ring(pages: 8, window: 2)
        let events = ring.subscribe()
        write(ring, bytes: 2 * page)          // 0
        write(ring, bytes: 2 * page)          // 1
        #expect(ring.hold(0))                 // 0 is still needed by a later stage
        write(ring, bytes: 2 * page)          // 2
        write(ring, bytes: 2 * page)          // 3: ring full now (8 pages)
        write(ring, bytes: 2 * page)          // 4: must evict: 1 is outside the window and unheld
        #expect(ring.lease(1) == nil)
        #expect(ring.lease(0) != nil)
        #expect(ring.statistics.segmentsDropped == 0)
        #expect(ring.hold(2))
        write(ring, bytes: 2 * page)          // 5: all needed (0, 2 held; 3, 4 in window): oldest goes, a gap
        #expect(ring.lease(0) == nil)
        let stats = ring.statistics
        #expect(stats.segmentsDropped == 1)
        #expect(stats.peakBytesInUse <= stats.budgetBytes)
        #expect(stats.bytesInUse == 8 * page)
        ring.finishSubscribers()
        var dropped: [UInt64] = []
        var closed: [UInt64] = []
        for await event in events {
            switch event {
            case .closed(let segment, _): closed.append(segment.sequence)
            case .dropped(let sequence, let reason):
                #expect(reason == .evictedWhileNeeded)
                dropped.append(sequence)
            }
        }
        #expect(closed == [0, 1, 2, 3, 4, 5])
        #expect(dropped == [0])
    }

    @Test func refusesASegmentLargerThanTheBudget() throws {
        let ring = ring(pages: 4)
        write(ring, bytes: page)
        #expect(write(ring, bytes: 5 * page) == nil)
        let stats = ring.statistics
        #expect(stats.segmentsRefused == 1)
        #expect(stats.bytesInUse == 0)        // the refused segment's pages came back; it evicted the other
        #expect(stats.peakBytesInUse == 4 * page)
        // The next segment is marked as a join: media is missing before it.
        let next = try #require(write(ring, bytes: 100))
        #expect(next.discontinuity && next.sequence == 1)
    }

    @Test func leasedSegmentsAreNotEvicted() throws {
        let ring = ring(pages: 4, window: 1)
        write(ring, bytes: 2 * page)   // 0
        write(ring, bytes: 2 * page)   // 1
        let lease = try #require(ring.lease(0))
        write(ring, bytes: 2 * page)   // 2: cannot take 0 (leased), takes 1 even though it is in the window
        #expect(lease.bytes().count == 2 * page)
        #expect(ring.lease(1) == nil)
        #expect(ring.statistics.segmentsDropped == 1)
        _ = lease
    }

    @Test func playlistWindowIsTheNewestContiguousRun() throws {
        let ring = ring(pages: 64, window: 3)
        for _ in 0..<5 { write(ring, bytes: 100) }
        #expect(ring.playlistSegments().map(\.sequence) == [2, 3, 4])
    }

    @Test func discontinuitySequenceCountsTagsThatSlidOut() {
        let ring = ring(pages: 64, window: 2)
        write(ring, bytes: 10)
        write(ring, bytes: 10, discontinuity: true)  // 1
        write(ring, bytes: 10)                        // 2
        write(ring, bytes: 10, discontinuity: true)  // 3
        let playlist = LivePlaylist.render(segments: ring.playlistSegments(), targetDurationSeconds: 2)
        #expect(playlist == """
            #EXTM3U
            #EXT-X-VERSION:3
            #EXT-X-TARGETDURATION:2
            #EXT-X-MEDIA-SEQUENCE:2
            #EXT-X-DISCONTINUITY-SEQUENCE:1
            #EXTINF:2.000,
            2.ts
            #EXT-X-DISCONTINUITY
            #EXTINF:2.000,
            3.ts

            """)
        #expect(LivePlaylist.formatSeconds(10_033) == "10.033")
        #expect(LivePlaylist.formatSeconds(5) == "0.005")
    }

    @Test func handlersGetEventsSynchronouslyInOrder() throws {
        let ring = ring(pages: 4, window: 1)
        final class Seen: @unchecked Sendable { var events: [String] = [] }   // only touched on this test's thread
        let seen = Seen()
        let token = ring.subscribe { event in
            switch event {
            case .closed(let segment, _): seen.events.append("closed \(segment.sequence)")
            case .dropped(let sequence, _): seen.events.append("dropped \(sequence)")
            }
        }
        write(ring, bytes: 2 * page)
        #expect(seen.events == ["closed 0"])   // delivered before close() returned
        ring.hold(0)
        write(ring, bytes: 2 * page)
        write(ring, bytes: 2 * page)           // must drop held 0 to make room
        #expect(seen.events == ["closed 0", "closed 1", "dropped 0", "closed 2"])
        ring.unsubscribe(token)
        write(ring, bytes: 100)
        #expect(seen.events.count == 4)
    }

    @Test func slowSubscriberLosesOldestEventsCounted() {
        let ring = SegmentRing(configuration: .init(budgetBytes: 64 * page, pageSize: page, playlistWindow: 2, subscriberBuffer: 2))
        let stream = ring.subscribe()
        for _ in 0..<5 { write(ring, bytes: 10) }
        #expect(ring.statistics.eventsDropped == 3)
        _ = stream
    }
}

struct ThroughputMeterTests {
    @Test func averagesCompleteSecondsOfTheWindow() {
        var meter = ThroughputMeter(windowSeconds: 5)
        for second in Int64(100)..<110 { meter.record(125_000, atSecond: second) }   // 1 Mbit/s
        meter.record(999_999, atSecond: 110)                                           // current second: not counted yet
        #expect(meter.bitsPerSecond(atSecond: 110) == 1_000_000)
        #expect(meter.bitsPerSecond(atSecond: 113) == Double(2 * 125_000 + 999_999) * 8 / 5)   // seconds 108-112: three had traffic
        #expect(meter.bitsPerSecond(atSecond: 200) == 0)
    }
}

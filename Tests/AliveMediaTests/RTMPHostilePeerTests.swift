import AliveTestSupport
import Foundation
import NIOCore
import Testing
@testable import AliveMedia

/// Malformed and hostile peers lose their own connection; the server and a running publish
/// (ffmpeg, paced like a live encoder) are untouched.
@Suite(.serialized) struct RTMPHostilePeerTests {
    private func harness() -> IngestHarness {
        IngestHarness(serverConfiguration: .init(host: "127.0.0.1", port: 0, handshakeTimeout: .seconds(2), idleTimeout: .seconds(3),
                                                 publishTimeout: .seconds(3)))
    }

    @Test func eachBadPeerIsClosedWhileAGoodPublisherContinues() async throws {
        let harness = harness()
        try await harness.start()
        let good = try harness.publish(seconds: 8, realtime: true)
        try await harness.waitUntil("good publisher live") { harness.coordinator.status.state == .publishing }

        // Truncated handshake: C0 and part of C1, then silence.
        let truncated = try await RawPeer.connect(port: harness.port)
        try await truncated.send([3] + [UInt8](repeating: 1, count: 100))
        #expect(await truncated.closedByServer(within: 6), "truncated handshake kept open")

        // Encrypted RTMPE version byte.
        let rtmpe = try await RawPeer.connect(port: harness.port)
        try await rtmpe.send([6] + [UInt8](repeating: 0, count: 1536))
        #expect(await rtmpe.closedByServer(within: 4))

        // Garbage after a valid handshake (an HTTP request line).
        let garbage = try await RawPeer.connect(port: harness.port)
        try await garbage.handshake()
        try await garbage.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(await garbage.closedByServer(within: 4), "garbage kept open")

        // Set Chunk Size 0 and 2^31.
        for size: [UInt8] in [[0, 0, 0, 0], [0x80, 0, 0, 0]] {
            let peer = try await RawPeer.connect(port: harness.port)
            try await peer.handshake()
            var chunk = rawChunk(type: 1, length: 4, body: size)
            chunk[0] = 0x02
            try await peer.send(chunk)
            #expect(await peer.closedByServer(within: 4), "chunk size \(size) kept open")
        }

        // A message header announcing 16 MiB (over the 8 MiB limit): refused on the header.
        let huge = try await RawPeer.connect(port: harness.port)
        try await huge.handshake()
        try await huge.send(rawChunk(type: 20, length: 0xFF_FFFF, body: []))
        #expect(await huge.closedByServer(within: 2.5), "oversized message header kept open (before the idle time-out)")

        // Before publish a message may be 64 KiB: an 8 MiB one (the publisher's limit) is refused on its header.
        let stranger = try await RawPeer.connect(port: harness.port)
        try await stranger.handshake()
        try await stranger.send(rawChunk(type: 20, length: 8 * 1024 * 1024, body: [UInt8](repeating: 2, count: 100)))
        #expect(await stranger.closedByServer(within: 1), "8 MiB message before publish kept open")

        // Keep-alive bytes without a publish: closed at the publish deadline, not held forever.
        let squatter = try await RawPeer.connect(port: harness.port)
        try await squatter.handshake()
        let opened = ContinuousClock.now
        for _ in 0..<10 {
            try? await squatter.send(rawChunk(type: 3, length: 4, body: [0, 0, 0, 0]))
            try await Task.sleep(for: .milliseconds(500))
            if !squatter.isOpen { break }
        }
        #expect(await squatter.closedByServer(within: 1), "peer without a publish kept open past the publish deadline")
        #expect(ContinuousClock.now - opened < .seconds(5))

        // A peer that stalls in the middle of a message: the idle time-out closes it.
        let staller = try await RawPeer.connect(port: harness.port)
        try await staller.handshake()
        try await staller.send(rawChunk(type: 20, length: 100, body: [UInt8](repeating: 2, count: 50)))
        #expect(await staller.closedByServer(within: 8), "stalled peer kept open")

        // Many connections at once: the ones beyond the limit are closed on accept.
        var flood: [RawPeer] = []
        for _ in 0..<20 { flood.append(try await RawPeer.connect(port: harness.port)) }
        var closedOnAccept = 0
        for peer in flood where await peer.closedByServer(within: 0.3) { closedOnAccept += 1 }
        #expect(closedOnAccept >= 20 - (harness.server.configuration.maxConnections - 1))
        for peer in flood { await peer.close() }

        let result = try good.wait(timeout: 60)
        #expect(result.status == 0, "good publisher disturbed: \(result.stderr)")
        try await harness.waitUntil("publish ended") { harness.coordinator.status.state == .idle }
        await harness.stop()
        let segments = harness.ring.playlistSegments()
        #expect(segments.allSatisfy { !$0.discontinuity })
        let total = segments.reduce(0) { $0 + $1.durationMilliseconds }
        #expect(abs(total - 8000) <= 100, "good stream incomplete: \(total) ms")
        #expect(harness.coordinator.status.connectionsRejected >= 7)
    }
}

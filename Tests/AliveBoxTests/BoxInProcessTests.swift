@testable import AliveBox
import AliveControl
import AliveMedia
import AliveTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The whole box in this process, built from a configuration as `alived run` builds it:
/// ffmpeg pushes, the box stores on itself and records each segment in its local ledger,
/// a saved change reaches the segmenter while the box runs, and a graceful shutdown
/// drains and closes every stage.
@Suite(.serialized, .timeLimit(.minutes(3))) struct BoxInProcessTests {
    static let streamKey = "in-process-key"

    /// A box on ports it picks, in a folder of its own, run by a service group as a service.
    final class RunningBox: @unchecked Sendable {
        let folder: URL
        let box: Box
        let group: ServiceGroup
        let task: Task<Void, Error>

        init(segmentSeconds: Int) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("alivebox-\(UUID().uuidString)")
            var configuration = BoxConfiguration.default   // stores on itself, publishes to its journal
            configuration.dataDirectory = folder.path
            configuration.ingest.listen = "127.0.0.1"
            configuration.ingest.rtmpPort = 0
            configuration.http.listen = "127.0.0.1"
            configuration.http.port = 0
            configuration.segments.seconds = segmentSeconds
            configuration.ring.budgetMiB = 8
            let store = ConfigurationStore(path: folder.appendingPathComponent("alived.toml").path, initial: configuration,
                                           runtimeSettings: Box.liveSettings(for: configuration)) { $0.publishingProblems() }
            var logger = Logger(label: "box-test")
            logger.logLevel = .warning
            box = try Box(store: store, streamKeyOverride: Self.streamKeyValue, logs: RecentLogBuffer(), metrics: nil, logger: logger)
            group = ServiceGroup(services: [box], logger: logger)
            task = Task { [group] in try await group.run() }
        }

        static let streamKeyValue = BoxInProcessTests.streamKey

        /// ffmpeg sends `seconds` of a 15 fps stream with a keyframe every second, as fast as it can.
        func push(seconds: Int) throws -> ExternalProcess.Output {
            let port = try #require(box.ports.rtmp)
            return try ExternalProcess.run("ffmpeg", [
                "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=\(seconds)",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=\(seconds)",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-keyint_min", "15", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-b:a", "64k", "-f", "flv", "rtmp://127.0.0.1:\(port)/live/\(Self.streamKeyValue)",
            ], timeout: 60)
        }

        /// Graceful shutdown, bounded; returns how the run ended.
        func stop() async throws {
            await group.triggerGracefulShutdown()
            let finished = Task { try await task.value }
            let watchdog = Task {
                try await Task.sleep(for: .seconds(30))
                finished.cancel()
            }
            defer { watchdog.cancel() }
            try await finished.value
        }

        deinit { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func pushedSegmentsAreStoredPublishedAndAChangeReachesTheSegmenter() async throws {
        let running = try RunningBox(segmentSeconds: 1)
        try await waitFor("both listeners") { running.box.ports.rtmp != nil && running.box.ports.http != nil }
        let httpPort = try #require(running.box.ports.http)
        let health = try ExternalProcess.run("curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(httpPort)/healthz"], timeout: 10)
        #expect(health.stdout == "ok\n")

        let first = try running.push(seconds: 4)
        #expect(first.status == 0, "ffmpeg: \(first.stderr)")
        try await waitFor("the first push's segments in the journal") {
            (running.box.publishing?.summary.segmentsReceived ?? 0) >= 3
        }
        let storage = try #require(await running.box.storage?.summary())
        #expect(storage.backend == "box" && storage.stored >= 3 && storage.gaps == 0)
        let short = running.box.ring.playlistSegments()
        #expect(!short.isEmpty && short.allSatisfy { $0.durationMilliseconds <= 1_600 }, "\(short.map(\.durationMilliseconds))")

        // Saved through the store as the API saves it: applied at once, to the segmenter only.
        let report = try running.box.store.patch(with: .table(["segments": .table(["seconds": .integer(3)])]))
        #expect(report.applied == ["segments.seconds"] && report.restartRequired.isEmpty)
        let closedBefore = running.box.ring.statistics.segmentsClosed
        let second = try running.push(seconds: 7)
        #expect(second.status == 0, "ffmpeg: \(second.stderr)")
        try await waitFor("the second push's segments") { running.box.ring.statistics.segmentsClosed >= closedBefore + 2 }
        let long = running.box.ring.playlistSegments().filter { $0.sequence >= closedBefore }
        // Cut at the first keyframe 3 s in (the last one may be shorter: the push ended).
        #expect(long.dropLast().allSatisfy { (2_900...3_600).contains($0.durationMilliseconds) }, "\(long.map(\.durationMilliseconds))")

        try await running.stop()
        // The journal holds what the box published, closed cleanly: a new box reopens it.
        #expect(FileManager.default.fileExists(atPath: running.folder.appendingPathComponent("journal.sqlite").path))
    }

    /// A `[publishing]` table without storage is refused when the box is built, and what the
    /// build had opened before (the data folder, the secrets) is left usable.
    @Test func publishingWithoutStorageIsRefusedWhenTheBoxIsBuilt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("alivebox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = BoxConfiguration.default
        configuration.dataDirectory = folder.path
        configuration.storage.backend = .none
        let store = ConfigurationStore(path: folder.appendingPathComponent("alived.toml").path, initial: configuration)
        #expect(throws: (any Error).self) {
            _ = try Box(store: store, streamKeyOverride: Self.streamKey, logs: RecentLogBuffer(), metrics: nil, logger: Logger(label: "box-test"))
        }
        #expect(FileManager.default.fileExists(atPath: folder.path))
    }
}

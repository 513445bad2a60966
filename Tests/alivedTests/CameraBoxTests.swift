import AliveTestSupport
import Foundation
import Testing

/// `alived run` with `ingest.source = "camera"`: the lavfi test pattern as the box's live
/// stream, and a missing V4L2 device reported while the box keeps serving.
@Suite(.serialized) struct CameraBoxTests {
    static func start(camera: String, directory: URL, httpPort: Int) throws -> ExternalProcess.Running {
        let file = directory.appendingPathComponent("alived.toml")
        try """
            [ingest]
            source = "camera"
            [segments]
            seconds = 2
            [http]
            listen = "127.0.0.1"
            port = \(httpPort)
            [camera]
            \(camera)
            """.write(to: file, atomically: true, encoding: .utf8)
        return try ExternalProcess.start(AlivedCommandTests.binary, ["run", "--config", file.path, "--data-dir", directory.path])
    }

    @Test func testPatternPlaysFromTheLivePlaylist() async throws {
        let directory = TestScratch.directory("camera-box")
        let httpPort = try freePort()
        let box = try Self.start(camera: """
            input_format = "lavfi"
            device = "testsrc2"
            width = 640
            height = 360
            frames_per_second = 30
            bitrate_kbps = 1000
            audio_input_format = "lavfi"
            audio_device = "sine"
            """, directory: directory, httpPort: httpPort)
        defer { box.stop() }
        try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
        try await waitFor("three segments in the live playlist", timeout: 40) {
            (try? await httpGet(port: httpPort, path: "/hls/live.m3u8"))?.body.components(separatedBy: "#EXTINF:2.000").count ?? 0 >= 4
        }
        let probe = try ExternalProcess.run("ffprobe", ["-v", "error", "-read_intervals", "%+#150",
            "-show_entries", "packet=codec_type,flags", "-of", "csv=p=0", "http://127.0.0.1:\(httpPort)/hls/live.m3u8"], timeout: 60)
        #expect(probe.status == 0, "\(probe.stderr)")
        let packets = probe.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }.filter { $0.count >= 2 }
        #expect(packets.count >= 150)
        #expect(packets.contains { $0[0] == "audio" } && packets.contains { $0[0] == "video" })
        #expect(packets.first { $0[0] == "video" }?[1].hasPrefix("K") == true, "first video packet not a keyframe")

        let status = try await httpGet(port: httpPort, path: "/api/v1/status").json
        let ingest = status["ingest"] as? [String: Any] ?? [:]
        let camera = status["camera"] as? [String: Any] ?? [:]
        #expect(ingest["source"] as? String == "camera" && ingest["state"] as? String == "publishing", "\(ingest)")
        #expect(camera["encoder"] as? String == "libx264", "\(camera)")
        #expect((camera["encoder_note"] as? String)?.contains("h264_v4l2m2m") == true, "\(camera)")
        #expect(camera["state"] as? String == "capturing" && camera["width"] as? Int == 640)
        let metrics = try await httpGet(port: httpPort, path: "/metrics").body
        #expect(metrics.contains("alived_camera_frames_total{outcome=\"encoded\"}"), "\(metrics.prefix(400))")
        // The encoder choice is in the log too.
        #expect(box.stderrText.contains("camera encoder") && box.stderrText.contains("camera.encoder=libx264"))
        // libavdevice is not linked: the camera loaded it (an RTMP box never does, MappedLibrariesTests).
        let libraries = try mappedLibraries(pid: box.process.processIdentifier)
        #expect(libraries.contains { $0.hasPrefix("libavdevice.so") }, "\(libraries.sorted())")

        kill(box.process.processIdentifier, SIGTERM)
        let exit = try box.wait(timeout: 20)
        #expect(exit.status == 0, "\(exit.stderr.suffix(2000))")
    }

    @Test func missingDeviceIsReportedAndTheBoxKeepsServing() async throws {
        let directory = TestScratch.directory("camera-missing")
        let httpPort = try freePort()
        let box = try Self.start(camera: """
            device = "/dev/video99"
            retry_seconds = 1
            """, directory: directory, httpPort: httpPort)
        defer { box.stop() }
        try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
        try await waitFor("a retried failure in status", timeout: 20) {
            let camera = (try? await httpGet(port: httpPort, path: "/api/v1/status"))?.json["camera"] as? [String: Any]
            return camera?["state"] as? String == "retrying" && box.stderrText.contains("camera still unavailable, retrying")
        }
        let status = try await httpGet(port: httpPort, path: "/api/v1/status").json
        let camera = status["camera"] as? [String: Any] ?? [:]
        let error = camera["last_error"] as? String ?? ""
        #expect(error.hasPrefix("camera device /dev/video99 cannot be opened: "), "\(camera)")
        #expect((status["warnings"] as? [String])?.contains(error) == true, "\(status)")
        #expect((status["ingest"] as? [String: Any])?["state"] as? String == "idle")
        #expect(box.stderrText.contains("camera failed, retrying"))
        #expect(try await httpGet(port: httpPort, path: "/").status == 200)
        #expect(try await httpGet(port: httpPort, path: "/hls/live.m3u8").status == 200)
        kill(box.process.processIdentifier, SIGTERM)
        let exit = try box.wait(timeout: 20)
        #expect(exit.status == 0, "\(exit.stderr.suffix(2000))")
    }
}

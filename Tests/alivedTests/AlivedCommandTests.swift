import AliveTestSupport
import Foundation
import Testing

/// The `alived` executable as a user runs it: flags, config file, HTTP, signals.
@Suite(.serialized) struct AlivedCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var binary: String {
        ProcessInfo.processInfo.environment["ALIVED_BINARY"] ?? packageRoot.appendingPathComponent(".build/debug/alived").path
    }

    @Test func versionPrintsTheVersion() throws {
        let output = try ExternalProcess.run(Self.binary, ["version"], timeout: 30)
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("alived 0."))
    }

    @Test func cidPrintsOneCIDPerFileLikeIpfsAddOnlyHash() throws {
        let directory = TestScratch.directory("cid")
        let empty = directory.appendingPathComponent("empty"), hello = directory.appendingPathComponent("hello")
        try Data().write(to: empty)
        try Data("hello world\n".utf8).write(to: hello)
        // The values `ipfs add -n -Q` (Kubo defaults) prints for these two files.
        let v0 = try ExternalProcess.run(Self.binary, ["cid", empty.path, hello.path], timeout: 30)
        #expect(v0.status == 0)
        #expect(v0.stdout == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH\nQmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\n")
        let v1 = try ExternalProcess.run(Self.binary, ["cid", "--cid-version", "1", empty.path], timeout: 30)
        #expect(v1.stdout == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n")
        let missing = try ExternalProcess.run(Self.binary, ["cid", directory.appendingPathComponent("missing").path], timeout: 30)
        #expect(missing.status != 0 && missing.stderr.contains("No such file"))
    }

    /// Flags are typed by someone at the terminal: bad ones are refused (exit 78) with every
    /// problem. A bad file does not stop the box (ConfigurationFallbackTests), but a bad flag
    /// over it still does; `config check` reports the file's problems.
    @Test func invalidFlagsAreRefusedWithEveryProblem() throws {
        let flags = try ExternalProcess.run(Self.binary, ["run", "--data-dir", TestScratch.directory("bad-flags").path, "--segment-seconds", "0", "--ring-mib", "1"], timeout: 30)
        #expect(flags.status == 78)
        #expect(flags.stderr.contains("segments.seconds") && flags.stderr.contains("ring.budget_mib"), "\(flags.stderr)")
        let directory = TestScratch.directory("bad-config")
        let file = directory.appendingPathComponent("alived.toml")
        try "[segments]\nseconds = 30\n[http]\nport = \"x\"\n".write(to: file, atomically: true, encoding: .utf8)
        let overFile = try ExternalProcess.run(Self.binary, ["run", "--config", file.path, "--data-dir", directory.path, "--ring-mib", "1"], timeout: 30)
        #expect(overFile.status == 78)
        #expect(overFile.stderr.contains("ring.budget_mib") && !overFile.stderr.contains("http.port"), "\(overFile.stderr)")
        let check = try ExternalProcess.run(Self.binary, ["config", "check", file.path], timeout: 30)
        #expect(check.status == 78)
        #expect(check.stdout.contains("http.port: must be an integer"), "\(check.stdout)")
    }

    @Test func runsFromAConfigFileServesLiveHLSAndStopsCleanly() async throws {
        let directory = TestScratch.directory("run")
        let rtmpPort = try freePort(), httpPort = try freePort()
        let file = directory.appendingPathComponent("alived.toml")
        try """
            [ingest]
            listen = "127.0.0.1"
            rtmp_port = \(rtmpPort)
            [segments]
            seconds = 10
            [http]
            listen = "127.0.0.1"
            port = 1
            """.write(to: file, atomically: true, encoding: .utf8)
        // Flags override the file: HTTP port, segment length, stream key.
        let box = try ExternalProcess.start(Self.binary, [
            "run", "--config", file.path, "--data-dir", directory.path, "--http-port", "\(httpPort)",
            "--segment-seconds", "2", "--stream-key", "from-flag",
        ])
        defer { box.stop() }
        try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
        let noThumbnail = try await httpGet(port: httpPort, path: "/api/v1/thumbnail.jpg")
        #expect(noThumbnail.status == 404 && noThumbnail.body.contains("No thumbnail yet"), "\(noThumbnail.status) \(noThumbnail.body)")

        let encoder = try ExternalProcess.start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=9", "-f", "lavfi", "-i", "sine=duration=9",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(rtmpPort)/live/from-flag"])
        try await waitFor("three segments in the live playlist", timeout: 30) {
            (try? await httpGet(port: httpPort, path: "/hls/live.m3u8"))?.body.components(separatedBy: "#EXTINF").count ?? 0 >= 4
        }
        let playlist = try await httpGet(port: httpPort, path: "/hls/live.m3u8")
        #expect(playlist.status == 200)
        #expect(playlist.body.contains("#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"), "\(playlist.body)")
        // ffprobe plays the live playlist over HTTP (bounded: the first 100 packets).
        let probe = try ExternalProcess.run("ffprobe", ["-v", "error", "-read_intervals", "%+#100",
            "-show_entries", "packet=codec_type,flags", "-of", "csv=p=0", "http://127.0.0.1:\(httpPort)/hls/live.m3u8"], timeout: 60)
        #expect(probe.status == 0, "\(probe.stderr)")
        let packets = probe.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }.filter { $0.count >= 2 }
        #expect(packets.count >= 100)
        #expect(packets.first { $0[0] == "video" }?[1].hasPrefix("K") == true, "first video packet not a keyframe")
        let status = try await httpGet(port: httpPort, path: "/api/v1/status")
        #expect(status.body.contains("\"state\":\"publishing\""), "\(status.body)")
        // The keyframe thumbnail: a JPEG of the stream that ffprobe reads at the stream's size.
        let thumbnail = try await httpGet(port: httpPort, path: "/api/v1/thumbnail.jpg")
        #expect(thumbnail.status == 200)
        #expect(thumbnail.headers["content-type"] == "image/jpeg" && thumbnail.headers["cache-control"] == "no-cache", "\(thumbnail.headers)")
        #expect(thumbnail.data.prefix(2) == Data([0xFF, 0xD8]))
        let jpeg = directory.appendingPathComponent("thumbnail.jpg")
        try thumbnail.data.write(to: jpeg)
        let thumbnailProbe = try ExternalProcess.run("ffprobe", ["-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", jpeg.path], timeout: 30)
        #expect(thumbnailProbe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "mjpeg,320,240", "\(thumbnailProbe.stdout) \(thumbnailProbe.stderr)")
        let thumbnailStatus = try await httpGet(port: httpPort, path: "/api/v1/status").json["thumbnail"] as? [String: Any]
        #expect((thumbnailStatus?["made"] as? Int ?? 0) >= 1 && thumbnailStatus?["width"] as? Int == 320, "\(thumbnailStatus ?? [:])")

        // SIGTERM mid-publish: the open segment is closed, then exit 0.
        kill(box.process.processIdentifier, SIGTERM)
        let exit = try box.wait(timeout: 20)
        encoder.stop()
        #expect(exit.status == 0, "\(exit.stderr)")
        let log = exit.stderr
        let stopping = try #require(log.range(of: "rtmp stopping"))
        #expect(log[stopping.upperBound...].contains("segment closed"), "open segment not closed on shutdown:\n\(log)")
        #expect(log.contains("alived stopped"))
        #expect(!log.contains("from-flag"), "stream key in the log")
    }

    @Test func generatesAndKeepsAStreamKeyWhenNoneIsConfigured() async throws {
        let directory = TestScratch.directory("key")
        let httpPort = try freePort()
        for _ in 0..<2 {
            let box = try ExternalProcess.start(Self.binary, ["run", "--data-dir", directory.path, "--rtmp-port", "0", "--http-port", "\(httpPort)"])
            try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
            kill(box.process.processIdentifier, SIGINT)
            let exit = try box.wait(timeout: 20)
            #expect(exit.status == 0)
        }
        let secretsFile = directory.appendingPathComponent("secrets.toml").path
        let attributes = try FileManager.default.attributesOfItem(atPath: secretsFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: secretsFile, encoding: .utf8)
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("stream_key = ") }
        #expect(keys.count == 1 && keys[0].count == "stream_key = \"\"".count + 20, "\(text)")
    }
}

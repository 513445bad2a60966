import AliveTestSupport
import Foundation
import Testing

/// The status page in a real browser (Debian's chromium, headless) against a running box
/// with ffmpeg pushing into it. The screenshot lands in `test-output/` (a CI artifact).
@Suite(.serialized) struct StatusPageTests {
    @Test func technicianFlowInChromium() async throws {
        let root = AlivedCommandTests.packageRoot
        let python = root.appendingPathComponent(".venv/bin/python").path
        let output = root.appendingPathComponent("test-output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let screenshot = output.appendingPathComponent("status-page.png")
        try? FileManager.default.removeItem(at: screenshot)

        let box = try await ControlAPITests.RunningBox()
        defer { box.stop() }
        let key = try streamKey(in: box.directory)
        let encoder = try ExternalProcess.start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=60", "-f", "lavfi", "-i", "sine=duration=60",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"])
        defer { encoder.stop() }

        let page = try ExternalProcess.run(python, [root.appendingPathComponent("Tests/Support/page_check.py").path,
                                                    "http://127.0.0.1:\(box.httpPort)", screenshot.path], timeout: 150)
        #expect(page.status == 0, "page check failed:\n\(page.stdout)\n\(page.stderr.suffix(3000))")
        #expect(page.stdout.contains("page: ok"))
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
        // What the page did reached the box: the segment length is now 4 s.
        let saved = try String(contentsOf: box.directory.appendingPathComponent("alived.toml"), encoding: .utf8)
        #expect(saved.contains("seconds = 4"))
    }
}

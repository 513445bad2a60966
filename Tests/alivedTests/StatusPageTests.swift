import AliveTestSupport
import Foundation
import Testing

/// The status page in a real browser (Debian's chromium, headless) against a running box
/// with ffmpeg pushing into it. The screenshot lands in `test-output/` (a CI artifact).
@Suite(.serialized) struct StatusPageTests {
    @Test func technicianFlowInChromium() async throws {
        let box = try await ControlAPITests.RunningBox()
        defer { box.stop() }
        try await checkPage(of: box, screenshot: "status-page.png")
        // What the page did reached the box: the segment length is now 4 s.
        let saved = try String(contentsOf: box.directory.appendingPathComponent("alived.toml"), encoding: .utf8)
        #expect(saved.contains("seconds = 4"))
    }

    /// A box that stores in Kubo and publishes on the Hive double: the page shows it and
    /// its End stream button (confirmed in the dialog) puts op 1 on the chain.
    @Test func publishingSectionAndEndStreamInChromium() async throws {
        let fixture = try await PublishingBox(link: "paged")
        defer { fixture.stop() }
        try await checkPage(of: fixture.box, screenshot: "status-page-publishing.png", publishing: true)
        let ends = PublishingWiringTests.txids(try fixture.doubles.stateJSON(), op: 1)
        #expect(ends.count == 1, "one end of stream on the chain: \(ends)")
    }

    /// Runs Tests/Support/page_check.py against `box` while ffmpeg pushes into it.
    private func checkPage(of box: ControlAPITests.RunningBox, screenshot name: String, publishing: Bool = false) async throws {
        let root = AlivedCommandTests.packageRoot
        let python = root.appendingPathComponent(".venv/bin/python").path
        let output = root.appendingPathComponent("test-output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let screenshot = output.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: screenshot)

        let key = try streamKey(in: box.directory)
        let encoder = try ExternalProcess.start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=60", "-f", "lavfi", "-i", "sine=duration=60",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"])
        defer { encoder.stop() }

        let page = try ExternalProcess.run(python, [root.appendingPathComponent("Tests/Support/page_check.py").path,
                                                    "http://127.0.0.1:\(box.httpPort)", screenshot.path] + (publishing ? ["--publishing"] : []),
                                           timeout: 150)
        #expect(page.status == 0, "page check failed:\n\(page.stdout)\n\(page.stderr.suffix(3000))")
        #expect(page.stdout.contains("page: ok"))
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
    }
}

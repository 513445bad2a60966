import AliveTestSupport
import Foundation
import Testing

/// What the running box maps (issue 16): libavdevice, and through it libavfilter, SDL2,
/// PulseAudio, JACK, flite ..., only when the camera is the source (CameraBoxTests checks
/// that a camera box does load it).
@Suite struct MappedLibrariesTests {
    /// The camera-only libraries: libavdevice and what only it brings.
    static let cameraOnly = ["libavdevice.so", "libavfilter.so", "libSDL2", "libpulse.so", "libjack.so", "libflite.so", "libplacebo.so"]

    @Test func anRTMPBoxThatTookAPushMapsNoCameraLibrary() async throws {
        let directory = TestScratch.directory("mapped-libraries")
        let httpPort = try freePort(), rtmpPort = try freePort()
        let box = try ExternalProcess.start(AlivedCommandTests.binary, [
            "run", "--data-dir", directory.path, "--rtmp-port", "\(rtmpPort)", "--http-port", "\(httpPort)",
            "--segment-seconds", "2", "--stream-key", "mapskey1",
        ])
        defer { box.stop() }
        try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
        // A push through the whole media path: segmenter (libavformat) and thumbnail (libavcodec, libswscale).
        let push = try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=5", "-f", "lavfi", "-i", "sine=duration=5",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(rtmpPort)/live/mapskey1"],
            timeout: 60)
        #expect(push.status == 0, "\(push.stderr)")
        try await waitFor("a thumbnail made", timeout: 20) {
            let thumbnail = (try? await httpGet(port: httpPort, path: "/api/v1/status"))?.json["thumbnail"] as? [String: Any]
            return (thumbnail?["made"] as? Int ?? 0) >= 1
        }
        let libraries = try mappedLibraries(pid: box.process.processIdentifier)
        // The reading works: what the media path links is there.
        for linked in ["libavformat.so", "libavcodec.so", "libswscale.so"] {
            #expect(libraries.contains { $0.hasPrefix(linked) }, "\(linked) not in \(libraries.sorted())")
        }
        for cameraOnly in Self.cameraOnly {
            #expect(!libraries.contains { $0.hasPrefix(cameraOnly) }, "\(cameraOnly) mapped by an RTMP box")
        }
    }
}

import AliveTestSupport
import Foundation
import Testing

/// `alived run` with `[storage] backend = "kubo"`: segments go from the ring to a real Kubo
/// node (the loopback front in Tests/Support) as they close, with the hash known on the box.
@Suite(.serialized) struct StorageWiringTests {
    @Test func closedSegmentsAreStoredInKuboWithTheHashComputedOnTheBox() async throws {
        let (front, kuboPort) = try startKuboFront()
        defer { front.stop() }
        let config = TestScratch.directory("storage-config").appendingPathComponent("alived.toml")
        try "[storage]\nbackend = \"kubo\"\nendpoints = [\"http://127.0.0.1:\(kuboPort)\"]\n".write(to: config, atomically: true, encoding: .utf8)
        let box = try await ControlAPITests.RunningBox(extraArguments: ["--config", config.path])
        defer { box.stop() }
        let key = try streamKey(in: box.directory)
        let publish = try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=8",
            "-f", "lavfi", "-i", "sine=duration=8", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
            "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")

        var storage: [String: Any] = [:]
        try await waitFor("4 segments stored", timeout: 30) {
            storage = ((try? await httpGet(port: box.httpPort, path: "/api/v1/status"))?.json["storage"] as? [String: Any]) ?? [:]
            return (storage["stored"] as? Int ?? 0) >= 4
        }
        #expect(storage["backend"] as? String == "kubo")
        #expect(storage["gaps"] as? Int == 0)
        let items = try #require(storage["last_stored"] as? [[String: Any]])
        #expect(items.count >= 4)
        for item in items {
            let sequence = try #require(item["sequence"] as? Int), hash = try #require(item["hash"] as? String)
            #expect(hash.hasPrefix("Qm"))
            // What Kubo serves under the hash is exactly the segment the box serves.
            let fromKubo = try await plainSession.data(from: URL(string: "http://127.0.0.1:\(kuboPort)/ipfs/\(hash)")!).0
            let fromBox = try await plainSession.data(from: URL(string: "http://127.0.0.1:\(box.httpPort)/hls/\(sequence).ts")!).0
            #expect(!fromKubo.isEmpty && fromKubo == fromBox, "segment \(sequence)")
            let file = box.directory.appendingPathComponent("check-\(sequence).ts")
            try fromKubo.write(to: file)
            #expect(try ExternalProcess.run(AlivedCommandTests.binary, ["cid", file.path], timeout: 30).stdout == hash + "\n")
        }
    }
}

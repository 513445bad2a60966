import AliveTestSupport
import Foundation
import Testing

/// `alived run` with no configuration file does the whole job on the box: segments get
/// the CIDs Kubo would give them and stay servable at `/ipfs/<cid>`, publishing is made
/// and recorded exactly as for a ledger but kept in the journal and shown in status. A
/// playlist rebuilt from those records by the HAlive rule plays from the box itself.
@Suite(.serialized, .timeLimit(.minutes(3))) struct EmbeddedDefaultTests {
    @Test func theDefaultStoresOnTheBoxAndPublishesToItsJournal() async throws {
        let box = try await ControlAPITests.RunningBox()
        defer { box.stop() }
        let key = try streamKey(in: box.directory)
        let publish = try ExternalProcess.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=9",
            "-f", "lavfi", "-i", "sine=duration=9", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-c:a", "aac",
            "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")

        var stored: [[String: Any]] = []
        try await waitFor("every closed segment stored on the box and handed to publishing", timeout: 30) {
            guard let status = try? await httpGet(port: box.httpPort, path: "/api/v1/status").json,
                  let closed = (status["ring"] as? [String: Any])?["segments_closed"] as? Int, closed >= 4,
                  let storage = status["storage"] as? [String: Any], storage["stored"] as? Int == closed,
                  (status["publishing"] as? [String: Any])?["segments_received"] as? Int == closed else { return false }
            stored = storage["last_stored"] as? [[String: Any]] ?? []
            return true
        }
        let status = try await httpGet(port: box.httpPort, path: "/api/v1/status").json
        #expect((status["storage"] as? [String: Any])?["backend"] as? String == "box")
        let publishing = try #require(status["publishing"] as? [String: Any])
        #expect(publishing["network"] as? String == "local")
        #expect(publishing["phase"] as? String == "running")

        // The box's CID is the one a real Kubo node gives the same bytes.
        let (front, kuboPort) = try startKuboFront()
        defer { front.stopAndWaitBlocking() }
        let first = try #require(stored.first?["hash"] as? String)
        let segmentFile = box.directory.appendingPathComponent("first.ts")
        #expect(try download(port: box.httpPort, path: "/ipfs/\(first)", to: segmentFile) == 200)
        let add = try ExternalProcess.run("curl", ["-s", "-F", "file=@\(segmentFile.path)", "http://127.0.0.1:\(kuboPort)/api/v0/add"], timeout: 30)
        let kuboHash = try JSONSerialization.jsonObject(with: Data(add.stdout.utf8)) as? [String: Any]
        #expect(kuboHash?["Hash"] as? String == first, "\(add.stdout)")
        #expect(try await httpGet(port: box.httpPort, path: "/ipfs/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG").status == 404)
        #expect(try await httpGet(port: box.httpPort, path: "/ipfs/not..a-cid").status == 400)

        // Ending the stream flushes what is waiting: the pushes land in the local record.
        let token = try await box.setUp()
        let end = try await http("POST", port: box.httpPort, path: "/api/v1/stream/end",
                                 headers: ["Authorization": "Bearer \(token)"], timeout: 30)
        #expect(end.status == 200, "\(end.body)")
        #expect(end.json["network"] as? String == "local")
        let after = try #require(try await httpGet(port: box.httpPort, path: "/api/v1/status").json["publishing"] as? [String: Any])
        #expect(after["stream_ended"] as? Bool == true)
        let pushes = try (after["local_pushes"] as? [String] ?? []).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(!pushes.isEmpty)
        #expect(pushes.map { $0["seq"] as? Int } == Array(0..<pushes.count).map { Optional($0) }, "seq 0..n: \(pushes)")
        #expect(pushes.allSatisfy { $0["op"] as? Int == 0 && $0["link"] as? String == "box" })

        // HAlive: each push is one segment (with len) or a chunk of `hash,len` lines, all
        // fetched from the box's own gateway; ffprobe plays the result.
        var playlist = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n"
        var hashes: [String] = []
        var seconds = 0.0
        for push in pushes {
            let src = try #require(push["src"] as? String)
            var entries: [(String, Double)] = []
            if let len = push["len"] as? Double {
                entries = [(src, len)]
            } else {
                let chunk = try await httpGet(port: box.httpPort, path: "/ipfs/\(src)")
                #expect(chunk.status == 200)
                #expect(chunk.headers["content-type"] == "text/csv")
                entries = try chunk.body.split(separator: "\n").map { line in
                    let parts = line.split(separator: ",")
                    return (String(parts[0]), try #require(Double(parts[1])))
                }
            }
            for (hash, len) in entries {
                hashes.append(hash)
                seconds += len
                playlist += "#EXTINF:\(len),\nhttp://127.0.0.1:\(box.httpPort)/ipfs/\(hash)\n"
            }
        }
        playlist += "#EXT-X-ENDLIST\n"
        #expect(Set(stored.compactMap { $0["hash"] as? String }).isSubset(of: hashes), "the newest stored segments are all published")
        #expect(Set(hashes).count == hashes.count, "each segment in exactly one push")
        #expect(seconds >= 8 && seconds <= 10.5, "published \(seconds) s of a 9 s push")
        let playlistFile = box.directory.appendingPathComponent("rebuilt.m3u8")
        try playlist.write(to: playlistFile, atomically: true, encoding: .utf8)
        let probe = try ExternalProcess.run("ffprobe", [
            // Gateway URLs have no file extension (`/ipfs/<cid>`): this ffmpeg refuses those unless told.
            "-v", "error", "-protocol_whitelist", "file,http,tcp", "-extension_picky", "0",
            "-show_entries", "format=duration", "-of", "csv=p=0",
            playlistFile.path], timeout: 60)
        #expect(probe.status == 0, "\(probe.stderr)")
        let played = try #require(Double(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(probe.stdout) \(probe.stderr)")
        #expect(abs(played - seconds) < 1.0, "ffprobe plays \(played) s of the \(seconds) s published")
    }

    /// GET into a file (segments are binary); returns the HTTP status.
    private func download(port: Int, path: String, to file: URL) throws -> Int {
        let result = try ExternalProcess.run("curl", ["-s", "-o", file.path, "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"], timeout: 30)
        return Int(result.stdout) ?? 0
    }
}

import AliveTestSupport
import Foundation
import Testing

/// `alived run` with `[storage]` and `[publishing]`: segments pushed by ffmpeg are stored
/// in a real Kubo node, each hash goes to the AliveDB double and, in batches, on the Hive
/// double (which checks every signature with hive-nectar); the page's stream operations
/// broadcast through the same code as `alived stream`.
@Suite(.serialized, .timeLimit(.minutes(4))) struct PublishingWiringTests {
    @Test func pushedSegmentsReachAliveDBAndTheChainExactlyOnceInOrder() async throws {
        let fixture = try await PublishingBox(link: "wired")
        defer { fixture.stop() }
        let (box, doubles, kuboPort) = (fixture.box, fixture.doubles, fixture.kuboPort)
        let publish = try ExternalProcess.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=9",
            "-f", "lavfi", "-i", "sine=duration=9", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac",
            "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(try streamKey(in: box.directory))"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")

        // Every stored segment on AliveDB and, through singles or chunks, on the chain.
        var stored = 0
        var onChain: [String] = []
        var aliveDB: [String] = []
        var pushes: [[String: Any]] = []
        try await waitFor("every closed segment stored, on AliveDB and confirmed on the chain", timeout: 60) {
            guard let status = try? await httpGet(port: box.httpPort, path: "/api/v1/status").json,
                  let closed = (status["ring"] as? [String: Any])?["segments_closed"] as? Int, closed >= 4,
                  let count = (status["storage"] as? [String: Any])?["stored"] as? Int, count == closed,
                  let state = try? doubles.stateJSON() else { return false }
            stored = count
            pushes = Self.pushes(state)
            aliveDB = ((state["alivedb"] as? [String: Any])?["items"] as? [[String: Any]] ?? []).compactMap { $0["src"] as? String }
            guard let expanded = try? await Self.segments(of: pushes, kuboPort: kuboPort) else { return false }
            onChain = expanded
            let confirmed = (status["publishing"] as? [String: Any])?["last_confirmed_seq"] as? Int
            return onChain.count >= stored && aliveDB.count >= stored && confirmed == pushes.count - 1
        }
        #expect(onChain.count == stored, "each segment in exactly one push: \(onChain)")
        #expect(Set(onChain).count == onChain.count)
        #expect(onChain == aliveDB, "the chain and AliveDB carry the same segments in the same order")
        #expect(pushes.map { $0["seq"] as? Int } == Array(0..<pushes.count).map { Optional($0) }, "seq 0..n, no gap, no repeat")
        #expect(pushes.contains { $0["len"] == nil }, "a batch of several went out as a chunk")

        let state = try doubles.stateJSON()
        let ops = Self.customJSON(state)
        #expect(ops.first?["op"] as? Int == 2, "the stream was configured on start")

        // The status shows what went out; a page session ends the stream.
        let publishing = try #require(try await httpGet(port: box.httpPort, path: "/api/v1/status").json["publishing"] as? [String: Any])
        #expect(publishing["network"] as? String == "hive")
        #expect(publishing["link"] as? String == "wired")
        #expect(publishing["phase"] as? String == "running")
        #expect(publishing["segments_received"] as? Int == stored)
        #expect(publishing["last_confirmed_seq"] as? Int == pushes.count - 1)
        let lastTransaction = try #require(publishing["last_transaction_id"] as? String)
        #expect(Self.txids(state, op: 0).last == lastTransaction)

        // The scrape counts the same events as the status.
        let metrics = try await httpGet(port: box.httpPort, path: "/metrics").body
        #expect(Self.sample(metrics, #"alived_publish_segments_total{outcome="received"}"#) == Double(stored), "\(metrics)")
        #expect(Self.sample(metrics, #"alived_alivedb_pushes_total{outcome="pushed"}"#) == Double(aliveDB.count))
        #expect(Self.sample(metrics, #"alived_ledger_pushes_total{outcome="confirmed"}"#) == Double(pushes.count))
        #expect(Self.sample(metrics, #"alived_storage_segments_total{outcome="stored"}"#) == Double(stored))
        #expect((Self.sample(metrics, "alived_storage_bytes_total") ?? 0) > 0)
        #expect(Self.sample(metrics, #"alived_storage_segments_total{outcome="gap"}"#) == 0)

        #expect(try await box.request("POST", "/api/v1/stream/end").status == 401)
        let token = try await box.setUp()
        let end = try await http("POST", port: box.httpPort, path: "/api/v1/stream/end",
                                 headers: ["Authorization": "Bearer \(token)"], timeout: 90)
        #expect(end.status == 200, "\(end.body)")
        let endID = try #require(end.json["transaction_id"] as? String)
        #expect(end.json["network"] as? String == "hive")
        let ended = try doubles.stateJSON()
        #expect(Self.txids(ended, op: 1) == [endID])
        #expect(Self.customJSON(ended).last?["op"] as? Int == 1, "everything was flushed before the end")
        let after = try #require(try await httpGet(port: box.httpPort, path: "/api/v1/status").json["publishing"] as? [String: Any])
        #expect(after["stream_ended"] as? Bool == true)
        // The event is over: no stream is open until the encoder starts again, and the
        // ended one is listed with its end.
        #expect(after["phase"] as? String == "waiting for the encoder")
        #expect(after["stream"] == nil && after["link"] == nil)
        let past = try #require((after["past_streams"] as? [[String: Any]])?.first)
        #expect(past["end_transaction_id"] as? String == endID)
        #expect(past["first_seq"] as? Int == 0 && past["last_seq"] as? Int == Self.pushes(ended).count - 1)
        #expect(try await httpGet(port: box.httpPort, path: "/healthz").status == 200, "the box goes on after the end")
    }

    /// Storage endpoints and the batch interval apply while the box runs: the next segments
    /// go to the new Kubo front, and with an interval of 0 each goes on-chain alone.
    @Test func endpointsAndBatchIntervalApplyWithoutARestart() async throws {
        let fixture = try await PublishingBox(link: "changed")
        defer { fixture.stop() }
        let (second, secondPort) = try startKuboFront()
        defer { second.stop() }
        let box = fixture.box
        let token = try await box.setUp()
        let change = try await box.request("PATCH", "/api/v1/config", token: token, body: """
            {"storage": {"endpoints": ["http://127.0.0.1:\(secondPort)"]}, "publishing": {"batch_interval_seconds": 0}}
            """)
        #expect(change.status == 200, "\(change.body)")
        #expect(Set(change.json["applied"] as? [String] ?? []) == ["storage.endpoints", "publishing.batch_interval_seconds"], "\(change.body)")

        let publish = try ExternalProcess.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=5",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
            "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(try streamKey(in: box.directory))"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")
        var pushes: [[String: Any]] = []
        try await waitFor("every closed segment stored and on the chain", timeout: 40) {
            guard let status = try? await httpGet(port: box.httpPort, path: "/api/v1/status").json,
                  let closed = (status["ring"] as? [String: Any])?["segments_closed"] as? Int, closed >= 2,
                  (status["storage"] as? [String: Any])?["stored"] as? Int == closed,
                  let state = try? fixture.doubles.stateJSON() else { return false }
            pushes = Self.pushes(state)
            return pushes.count == closed
        }
        #expect(pushes.allSatisfy { $0["len"] != nil }, "each segment alone: \(pushes)")
        // Stored through the new front: it serves every pushed segment, the first front none.
        for push in pushes {
            let src = try #require(push["src"] as? String)
            #expect(try await httpGet(port: secondPort, path: "/ipfs/\(src)").status == 200)
        }
        let firstStats = try await httpGet(port: fixture.kuboPort, path: "/__stats").json
        #expect(Self.addRequests(firstStats) == 0, "\(firstStats)")
    }

    /// Adds a Kubo front counted (its `/__stats` request counters).
    static func addRequests(_ stats: [String: Any]) -> Int {
        (stats["requests"] as? [String: Any])?.filter { $0.key.contains("add") }.values.compactMap { $0 as? Int }.reduce(0, +) ?? -1
    }

    /// The API refuses a `[publishing]` table AlivePublish would refuse at the next start,
    /// with each problem's path, and keeps the file as it was; a good one waits for a restart.
    @Test func theAPIChecksThePublishingTableBeforeSavingIt() async throws {
        let box = try await ControlAPITests.RunningBox()
        defer { box.stop() }
        let token = try await box.setUp()
        let file = box.directory.appendingPathComponent("alived.toml")
        let before = try? String(contentsOf: file, encoding: .utf8)   // no file yet: defaults
        let bad = try await box.request("PATCH", "/api/v1/config", token: token, body: """
            {"storage": {"backend": "none"},
             "publishing": {"network": "hive", "streamer": "Not An Account", "link": "l", "batch_intervall_seconds": 5}}
            """)
        #expect(bad.status == 400, "\(bad.body)")
        let paths = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(paths.contains("publishing.batch_intervall_seconds"), "\(bad.body)")
        #expect(paths.contains("storage.backend"), "publishing without storage: \(bad.body)")
        #expect((try? String(contentsOf: file, encoding: .utf8)) == before, "nothing saved")
        // The running configuration is still the embedded default's (the box's own record).
        let config = try await box.request("GET", "/api/v1/config", token: token).json["config"] as? [String: Any]
        #expect((config?["publishing"] as? [String: Any])?["network"] as? String == "local", "\(String(describing: config))")
        #expect((config?["storage"] as? [String: Any])?["backend"] as? String == "box")

        // A link template that could make an invalid link (or names an unknown placeholder):
        // refused with its path, nothing saved.
        for template in ["venue-{when}", "venue-{date}-{n}-" + String(repeating: "x", count: 40)] {
            let refused = try await box.request("PATCH", "/api/v1/config", token: token, body: """
                {"publishing": {"link": "\(template)", "idle_end_seconds": 5}}
                """)
            #expect(refused.status == 400, "\(refused.body)")
            let refusedPaths = (refused.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(refusedPaths.contains("publishing.link") && refusedPaths.contains("publishing.idle_end_seconds"), "\(refused.body)")
            #expect((try? String(contentsOf: file, encoding: .utf8)) == before, "nothing saved")
        }

        let good = try await box.request("PATCH", "/api/v1/config", token: token, body: """
            {"storage": {"backend": "kubo", "endpoints": ["http://127.0.0.1:9"]},
             "publishing": {"network": "hive", "streamer": "alice", "link": "l", "hive": {"api_nodes": ["http://127.0.0.1:9"]}}}
            """)
        #expect(good.status == 200, "\(good.body)")
        #expect((good.json["restart_required"] as? [String] ?? []).contains { $0 == "publishing" || $0.hasPrefix("publishing.") }, "\(good.body)")
        #expect(try String(contentsOf: file, encoding: .utf8).contains("[publishing]"))
    }

    @Test func publishingWithoutStorageIsRefusedAtStart() async throws {
        let directory = TestScratch.directory("publishing-no-storage")
        let config = directory.appendingPathComponent("alived.toml")
        let text = "[publishing]\nnetwork = \"hive\"\nstreamer = \"alice\"\nlink = \"x\"\n[publishing.hive]\napi_nodes = [\"http://127.0.0.1:9\"]\n"
        try text.write(to: config, atomically: true, encoding: .utf8)
        // `config check` names the problem and fails.
        let check = try ExternalProcess.run(AlivedCommandTests.binary, ["config", "check", config.path], timeout: 30)
        #expect(check.status == 78)
        #expect((check.stdout + check.stderr).contains("storage.backend: publishing needs a storage backend"), "\(check.stdout) \(check.stderr)")
        // `run` does not die on it (a headless box would loop under systemd): it runs on the
        // embedded default (no last-good yet), keeps the file, and says why.
        let port = try freePort()
        let box = try ExternalProcess.start(AlivedCommandTests.binary, [
            "run", "--config", config.path, "--data-dir", directory.path,
            "--http-port", "\(port)", "--rtmp-port", "\(try freePort())",
        ])
        defer { box.stop() }
        try await waitFor("healthz") { (try? await httpGet(port: port, path: "/healthz"))?.status == 200 }
        let status = try await httpGet(port: port, path: "/api/v1/status")
        let configuration = status.json["configuration"] as? [String: Any]
        #expect(configuration?["source"] as? String == "default", "\(status.body)")
        #expect((configuration?["problems"] as? [String] ?? []).contains { $0.contains("storage.backend: publishing needs a storage backend") }, "\(status.body)")
        #expect(try String(contentsOf: config, encoding: .utf8) == text, "the refused file is left as it was")
        #expect(try String(contentsOfFile: config.path + ".rejected", encoding: .utf8) == text, "and kept for inspection")
    }

    // MARK: reading the doubles

    /// The accepted custom_json payloads, in block order.
    static func customJSON(_ state: [String: Any]) -> [[String: Any]] {
        let accepted = (state["hive"] as? [String: Any])?["accepted_ops"] as? [[String: Any]] ?? []
        return accepted.compactMap { $0["json"] as? [String: Any] }
    }

    static func pushes(_ state: [String: Any]) -> [[String: Any]] {
        customJSON(state).filter { $0["op"] as? Int == 0 }
    }

    static func txids(_ state: [String: Any], op: Int) -> [String] {
        let accepted = (state["hive"] as? [String: Any])?["accepted_ops"] as? [[String: Any]] ?? []
        return accepted.filter { ($0["json"] as? [String: Any])?["op"] as? Int == op }.compactMap { $0["txid"] as? String }
    }

    /// The segment hashes the pushes carry, HAlive's way: a push with `len` is one
    /// segment, any other is a chunk fetched from Kubo, one `hash,len` per line.
    /// The value of one Prometheus sample (`name{labels}`), nil when the scrape lacks it.
    static func sample(_ scrape: String, _ series: String) -> Double? {
        for line in scrape.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    static func segments(of pushes: [[String: Any]], kuboPort: Int) async throws -> [String] {
        var hashes: [String] = []
        for push in pushes {
            guard let src = push["src"] as? String else { throw ExternalProcess.Failure(description: "push without src: \(push)") }
            if push["len"] != nil {
                hashes.append(src)
                continue
            }
            let chunk = try await httpGet(port: kuboPort, path: "/ipfs/\(src)")
            guard chunk.status == 200 else { throw ExternalProcess.Failure(description: "chunk \(src): HTTP \(chunk.status)") }
            hashes += chunk.body.split(separator: "\n").map { String($0.split(separator: ",")[0]) }
        }
        return hashes
    }
}

/// A running box with storage in a real Kubo node (the loopback front) and publishing to
/// the ledger doubles (Hive, AliveDB): batches every 3 s, the stream left open on stop.
final class PublishingBox {
    let front: SupportScript
    let kuboPort: Int
    let doubles: PublishingCommandTests.Doubles
    let box: ControlAPITests.RunningBox

    init(link: String) async throws {
        (front, kuboPort) = try startKuboFront()
        var started: (doubles: PublishingCommandTests.Doubles?, box: ControlAPITests.RunningBox?) = (nil, nil)
        do {
            let doubles = try PublishingCommandTests.Doubles()
            started.doubles = doubles
            let directory = TestScratch.directory("publishing-box")
            let secrets = directory.appendingPathComponent("keys.toml")
            try "posting_key = \"\(PublishingCommandTests.postingWIF)\"\n".write(to: secrets, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secrets.path)
            let config = try doubles.config(in: directory, link: link, extra: """
                batch_interval_seconds = 3
                end_on_stop = false
                secrets_file = "\(secrets.path)"
                """)
            try (String(contentsOfFile: config, encoding: .utf8)
                + "\n[storage]\nbackend = \"kubo\"\nendpoints = [\"http://127.0.0.1:\(kuboPort)\"]\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            box = try await ControlAPITests.RunningBox(extraArguments: ["--config", config])
            self.doubles = doubles
        } catch {
            started.doubles?.stop()
            front.stop()
            throw error
        }
    }

    func stop() {
        box.stop()
        doubles.stop()
        front.stop()
    }
}

extension PublishingCommandTests.Doubles {
    /// `GET /__state`, parsed.
    func stateJSON() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(try state().utf8)) as? [String: Any] else {
            throw ExternalProcess.Failure(description: "the doubles' state is not a JSON object")
        }
        return object
    }
}

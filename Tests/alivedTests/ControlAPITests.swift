import AliveTestSupport
import Foundation
import Synchronization
import Testing

/// The control API over real HTTP on loopback, against the running binary.
@Suite(.serialized) struct ControlAPITests {
    /// A running box with its data folder and ports.
    final class RunningBox: @unchecked Sendable {
        // @unchecked: used by one test at a time.
        let directory: URL
        let httpPort: Int
        let rtmpPort: Int
        let process: ExternalProcess.Running

        /// - Parameter prepare: gets the data folder before the box starts.
        init(extraArguments: [String] = [], prepare: (URL) throws -> Void = { _ in }) async throws {
            directory = TestScratch.directory("api")
            try prepare(directory)
            httpPort = try freePort()
            rtmpPort = try freePort()
            process = try ExternalProcess.start(AlivedCommandTests.binary, [
                "run", "--data-dir", directory.path, "--http-port", "\(httpPort)", "--rtmp-port", "\(rtmpPort)", "--segment-seconds", "2",
            ] + extraArguments)
            let port = httpPort
            try await waitFor("healthz") { (try? await httpGet(port: port, path: "/healthz"))?.status == 200 }
        }

        func request(_ method: String, _ path: String, token: String? = nil, headers: [String: String] = [:], body: String? = nil) async throws -> HTTPResult {
            var headers = headers
            if let token { headers["Authorization"] = "Bearer \(token)" }
            return try await http(method, port: httpPort, path: path, headers: headers, body: body)
        }

        /// Sets the page password and returns a bearer token.
        func setUp(password: String = "correct horse") async throws -> String {
            let result = try await request("POST", "/api/v1/auth/setup", body: #"{"password":"\#(password)"}"#)
            #expect(result.status == 201, "\(result.body)")
            return try #require(result.json["token"] as? String)
        }

        func stop() { process.stop() }
    }

    @Test func authIsRequiredWhereStatedAndSecretsAreNeverReturned() async throws {
        let box = try await RunningBox()
        defer { box.stop() }
        var bodies: [String] = []
        func record(_ result: HTTPResult) -> HTTPResult { bodies.append(result.body + " " + result.headers.description); return result }

        // Before a password exists: state says so, protected routes refuse.
        #expect(record(try await box.request("GET", "/api/v1/auth")).json["password_set"] as? Bool == false)
        for (method, path) in [("GET", "/api/v1/config"), ("PATCH", "/api/v1/config"), ("PUT", "/api/v1/config"), ("GET", "/api/v1/logs"),
                               ("GET", "/api/v1/secrets"), ("PUT", "/api/v1/secrets"), ("POST", "/api/v1/auth/logout")] {
            #expect(record(try await box.request(method, path, body: method == "GET" ? nil : "{}")).status == 401, "\(method) \(path)")
        }
        #expect(record(try await box.request("POST", "/api/v1/auth/setup", body: #"{"password":"short"}"#)).status == 400)
        let password = "correct horse"
        let token = try await box.setUp(password: password)
        #expect(record(try await box.request("POST", "/api/v1/auth/setup", body: #"{"password":"another one"}"#)).status == 409)
        // Open routes stay open.
        for path in ["/healthz", "/api/v1/status", "/hls/live.m3u8", "/metrics", "/"] {
            #expect(record(try await box.request("GET", path)).status == 200, "\(path)")
        }

        let streamKey = "venue-key-42"
        let put = record(try await box.request("PUT", "/api/v1/secrets", token: token, body: #"{"stream_key":"\#(streamKey)"}"#))
        #expect(put.status == 200)
        #expect((put.json["stream_key"] as? [String: Any])?["set"] as? Bool == true)
        #expect(record(try await box.request("PUT", "/api/v1/secrets", token: token, body: #"{"stream_key":"no"}"#)).status == 400)
        #expect(record(try await box.request("PUT", "/api/v1/secrets", token: token, body: #"{"posting_kye":"x"}"#)).status == 400)
        _ = record(try await box.request("GET", "/api/v1/secrets", token: token))
        _ = record(try await box.request("GET", "/api/v1/config", token: token))
        _ = record(try await box.request("GET", "/api/v1/logs?lines=500", token: token))
        _ = record(try await box.request("GET", "/api/v1/status"))

        // The new key is the one publishers need now.
        let publish = try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(streamKey)"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")

        let everything = bodies.joined(separator: "\n") + box.process.stderrText
        #expect(!everything.contains(streamKey), "stream key returned or logged")
        #expect(!everything.contains(password), "password returned or logged")
        let secretsFile = box.directory.appendingPathComponent("secrets.toml").path
        #expect((try FileManager.default.attributesOfItem(atPath: secretsFile)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: secretsFile, encoding: .utf8).contains("scrypt$"))
        #expect(!(try String(contentsOfFile: secretsFile, encoding: .utf8)).contains(password))
    }

    /// The control plane runs on its own thread at a lower priority: a client hammering
    /// the API spends that thread's CPU, not the media path's event loops.
    @Test func requestsAreServedOnTheControlPlaneThreadOnly() async throws {
        let box = try await RunningBox()
        defer { box.stop() }
        let pid = box.process.process.processIdentifier
        func threads() throws -> [(name: String, nice: Int, cpuTicks: Int)] {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").compactMap { tid in
                guard let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/comm", encoding: .utf8),
                      let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { return nil }
                // Fields after the name: state is field 3, utime 14, stime 15, nice 19.
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                return (name.trimmingCharacters(in: .whitespacesAndNewlines), Int(fields[16]) ?? 0,
                        (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0))
            }
        }
        let all = try threads()
        let control = try #require(all.first { $0.name == "alived-control" }, "\(all.map(\.name))")
        #expect(control.nice == 5)
        func mediaLoops() throws -> Int { try threads().filter { $0.name.hasPrefix("NIO-SGLTN") }.map(\.cpuTicks).reduce(0, +) }
        let (controlBefore, loopsBefore) = (control.cpuTicks, try mediaLoops())
        for _ in 0..<400 { #expect(try await box.request("GET", "/api/v1/status").status == 200) }
        let controlAfter = try #require(try threads().first { $0.name == "alived-control" }).cpuTicks
        // 400 requests cost tens of ticks (10 ms each) on the control thread; NIO's shared
        // loops, where the RTMP server runs, stay within a tick or two of idle.
        #expect(controlAfter - controlBefore >= 5, "the requests were served somewhere else")
        #expect(try mediaLoops() - loopsBefore <= 3, "the media path's event loops worked for the control plane")
    }

    @Test func invalidConfigurationIsRejectedWithPathsAndChangesApplyAtRuntime() async throws {
        let box = try await RunningBox()
        defer { box.stop() }
        let token = try await box.setUp()
        let before = try await box.request("GET", "/api/v1/config", token: token).body
        let bad = try await box.request("PATCH", "/api/v1/config", token: token, body: #"{"segments":{"seconds":30},"ring":{"budget_mib":"big"},"nope":1}"#)
        #expect(bad.status == 400)
        let paths = Set(((bad.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String })
        #expect(paths == ["ring.budget_mib", "nope"], "\(bad.body)")   // type errors are reported before ranges
        let ranges = try await box.request("PUT", "/api/v1/config", token: token, body: #"{"segments":{"seconds":30}}"#)
        #expect(((ranges.json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["path"] as? String } == ["segments.seconds"])
        #expect(try await box.request("GET", "/api/v1/config", token: token).body == before, "running configuration changed by a rejected request")
        #expect(try await box.request("PATCH", "/api/v1/config", token: token, body: "not json").status == 400)

        // A change that applies at once: the segment length, seen in the next segments.
        let changed = try await box.request("PATCH", "/api/v1/config", token: token, body: #"{"segments":{"seconds":4},"ring":{"budget_mib":32}}"#)
        #expect(changed.status == 200)
        #expect(changed.json["applied"] as? [String] == ["segments.seconds"])
        #expect(changed.json["restart_required"] as? [String] == ["ring.budget_mib"])
        let key = try streamKey(in: box.directory)
        let publish = try ExternalProcess.run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=9",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"], timeout: 60)
        #expect(publish.status == 0, "\(publish.stderr)")
        try await waitFor("segments") { (try? await httpGet(port: box.httpPort, path: "/hls/live.m3u8"))?.body.contains("#EXTINF:4.000") == true }
        let playlist = try await httpGet(port: box.httpPort, path: "/hls/live.m3u8").body
        #expect(playlist.contains("#EXT-X-TARGETDURATION:4\n"), "\(playlist)")
        // Saved in the box's own file, and read back at the next start.
        let saved = try String(contentsOf: box.directory.appendingPathComponent("alived.toml"), encoding: .utf8)
        #expect(saved.contains("seconds = 4") && saved.contains("budget_mib = 32"))
    }

    /// Ledger keys go in through the API and never come out: GET shows whether each is set
    /// and the public key (the expected one printed by hive-nectar, with mainnet's prefix).
    @Test func ledgerKeysAreWriteOnlyAndShowTheirPublicKey() async throws {
        let box = try await RunningBox()
        defer { box.stop() }
        let token = try await box.setUp()
        let wif = PublishingCommandTests.postingWIF
        let bad = try await box.request("PUT", "/api/v1/secrets", token: token, body: #"{"posting_key":"5notakey","alivedb_key":""}"#)
        #expect(bad.status == 400)
        #expect((bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String } == ["alivedb_key", "posting_key"], "\(bad.body)")
        #expect(!bad.body.contains("5notakey"))

        let put = try await box.request("PUT", "/api/v1/secrets", token: token, body: #"{"posting_key":"\#(wif)","alivedb_key":"gun-user-key"}"#)
        #expect(put.status == 200, "\(put.body)")
        let get = try await box.request("GET", "/api/v1/secrets", token: token)
        let posting = try #require(get.json["posting_key"] as? [String: Any])
        #expect(posting["set"] as? Bool == true)
        #expect(posting["public_key"] as? String == "STM" + PublishingCommandTests.postingPublic.dropFirst(3))
        #expect((get.json["alivedb_key"] as? [String: Any])?["set"] as? Bool == true)
        #expect((get.json["avalon_key"] as? [String: Any])?["set"] as? Bool == false)
        for body in [put.body, get.body] { #expect(!body.contains(wif) && !body.contains("gun-user-key")) }
        // Kept in the 0600 secrets file, where publishing reads it at its next start.
        let file = try String(contentsOf: box.directory.appendingPathComponent("secrets.toml"), encoding: .utf8)
        #expect(file.contains("posting_key = \"\(wif)\""))
        #expect(file.contains("stream_key = "), "the stream key is kept")
    }

    @Test func loginAttemptsAreRateLimited() async throws {
        let box = try await RunningBox()
        defer { box.stop() }
        _ = try await box.setUp()
        var statuses: [Int] = []
        for _ in 0..<7 { statuses.append(try await box.request("POST", "/api/v1/auth/login", body: #"{"password":"wrong password"}"#).status) }
        #expect(statuses == [401, 401, 401, 401, 401, 429, 429])
        let limited = try await box.request("POST", "/api/v1/auth/login", body: #"{"password":"correct horse"}"#)
        #expect(limited.status == 429, "the right password must not get through while limited")
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 > 0)
    }

    @Test func configurationWritesAreAtomicUnderKill() async throws {
        for round in 0..<3 {
            let box = try await RunningBox()
            let token = try await box.setUp()
            // Hammer PATCH and kill -9 in the middle.
            let stop = Mutex(false)
            let writer = Task {
                for i in 0..<200 where !stop.withLock({ $0 }) {
                    _ = try? await box.request("PATCH", "/api/v1/config", token: token, body: #"{"segments":{"seconds":\#(1 + i % 9)}}"#)
                }
            }
            try await Task.sleep(for: .milliseconds(150 + 100 * round))
            kill(box.process.process.processIdentifier, SIGKILL)
            // The writer stops by itself (its requests fail at once now). Cancelling its task
            // instead can deadlock swift-corelibs-foundation: a URLSession task completing
            // while its Swift task is cancelled takes the same two locks in opposite order.
            stop.withLock { $0 = true }
            await writer.value
            _ = try? box.process.wait(timeout: 10)
            let file = box.directory.appendingPathComponent("alived.toml")
            if FileManager.default.fileExists(atPath: file.path) {
                let check = try ExternalProcess.run(AlivedCommandTests.binary, ["config", "check", file.path], timeout: 30)
                #expect(check.status == 0, "torn configuration after kill -9: \(check.stdout)\(check.stderr)")
            }
        }
    }

    @Test func hostileHTTPIsRefusedWhileTheStreamContinues() async throws {
        let config = TestScratch.directory("hostile-config").appendingPathComponent("alived.toml")
        try "[http]\nidle_timeout_seconds = 2\n".write(to: config, atomically: true, encoding: .utf8)
        let box = try await RunningBox(extraArguments: ["--config", config.path])
        defer { box.stop() }
        let token = try await box.setUp()
        let key = try streamKey(in: box.directory)
        let encoder = try ExternalProcess.start("ffmpeg", ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=6",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-f", "flv", "rtmp://127.0.0.1:\(box.rtmpPort)/live/\(key)"])

        let huge = String(repeating: "x", count: 200_000)
        #expect(try await box.request("PATCH", "/api/v1/config", token: token, body: #"{"a":""# + huge + #""}"#).status == 413)
        let bigHeader = try? await box.request("GET", "/api/v1/status", headers: ["X-Filler": String(repeating: "y", count: 200_000)])
        #expect(bigHeader == nil || bigHeader!.status >= 400, "oversized header accepted")
        for path in ["/hls/../secrets.toml", "/hls/..%2Fsecrets.toml", "/hls/%2e%2e/alived.toml", "/hls/1.ts/../../secrets.toml", "/hls/-1.ts", "/secrets.toml", "/api/v2/status"] {
            let result = try await box.request("GET", path)
            #expect(result.status == 404 || result.status == 400, "\(path) -> \(result.status)")
            #expect(!result.body.contains("stream_key") && !result.body.contains("scrypt"))
        }
        // A slow client that sends half a request line and stalls is closed after the idle time-out.
        let slow = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(slow) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(box.httpPort).bigEndian)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(slow, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(connected == 0)
        _ = "GET /api/v1/sta".withCString { send(slow, $0, 15, 0) }
        var timeout = timeval(tv_sec: 8, tv_usec: 0)
        setsockopt(slow, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var byte: UInt8 = 0
        let started = Date()
        let read = recv(slow, &byte, 1, 0)   // 0: closed by the server; -1 after 8 s: still open
        #expect(read == 0, "slow client kept open")
        #expect(Date().timeIntervalSince(started) < 7)
        let result = try encoder.wait(timeout: 60)
        #expect(result.status == 0, "stream disturbed: \(result.stderr)")
        let status = try await box.request("GET", "/api/v1/status").json
        #expect(((status["ring"] as? [String: Any])?["segments_closed"] as? Int ?? 0) >= 2)
    }
}

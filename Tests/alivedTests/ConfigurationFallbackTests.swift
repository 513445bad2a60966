import AliveTestSupport
import Foundation
import Testing

/// A configuration file that fails at start does not leave a headless box dead: `alived run`
/// keeps running on the last good copy (or the embedded default), says so in the log, in
/// `/api/v1/status` and on the page, and keeps the refused file's bytes for inspection.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ConfigurationFallbackTests {
    /// A box on loopback; its stderr is the log.
    struct StartedBox {
        let process: ExternalProcess.Running
        let httpPort: Int

        func status() async throws -> [String: Any] { try await httpGet(port: httpPort, path: "/api/v1/status").json }

        func configuration() async throws -> [String: Any] {
            try #require(try await status()["configuration"] as? [String: Any])
        }

        /// SIGINT, then the exit status (0: a clean stop).
        func stop() throws -> Int32 {
            kill(process.process.processIdentifier, SIGINT)
            return try process.wait(timeout: 20).status
        }
    }

    static func start(config: URL?, dataDirectory: URL) async throws -> StartedBox {
        let httpPort = try freePort()
        let process = try ExternalProcess.start(AlivedCommandTests.binary, ["run"] + (config.map { ["--config", $0.path] } ?? []) + [
            "--data-dir", dataDirectory.path, "--http-port", "\(httpPort)", "--rtmp-port", "0",
        ])
        do {
            try await waitFor("healthz") {
                guard process.process.isRunning else { return true }
                return (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200
            }
        } catch {
            process.stop()
            throw error
        }
        guard process.process.isRunning else {
            throw ExternalProcess.Failure(description: "alived exited (\(process.process.terminationStatus)) instead of running:\n\(process.stderrText)")
        }
        return StartedBox(process: process, httpPort: httpPort)
    }

    static let valid = """
        [ingest]
        listen = "127.0.0.1"
        [http]
        listen = "127.0.0.1"
        [segments]
        seconds = 4

        """

    @Test func aRefusedFileRunsTheLastGoodCopyUntilTheAPIReplacesIt() async throws {
        let directory = TestScratch.directory("fallback")
        let file = directory.appendingPathComponent("alived.toml")
        let lastGood = directory.appendingPathComponent("alived.toml.last-good"), rejected = directory.appendingPathComponent("alived.toml.rejected")
        try Self.valid.write(to: file, atomically: true, encoding: .utf8)

        // A start on a good file keeps it as the last good copy.
        let first = try await Self.start(config: file, dataDirectory: directory)
        let clean = try await first.configuration()
        #expect(clean["source"] as? String == "file" && (clean["problems"] as? [String])?.isEmpty == true, "\(clean)")
        #expect(clean.keys.contains("rejected_file") && clean["rejected_file"] is NSNull, "\(clean)")
        #expect(try first.stop() == 0)
        #expect(FileManager.default.contents(atPath: lastGood.path) == Data(Self.valid.utf8))

        let broken: [(text: String, problem: (String) -> Bool)] = [
            (Self.valid + "[storage.evil]\nx = 1\n", { $0 == "storage.evil: unknown setting" }),
            ("[ingest\nlisten = \n", { $0.hasPrefix("(file): line 1") }),
        ]
        for (text, isTheProblem) in broken {
            try text.write(to: file, atomically: true, encoding: .utf8)
            let box = try await Self.start(config: file, dataDirectory: directory)
            let configuration = try await box.configuration()
            let problems = configuration["problems"] as? [String] ?? []
            #expect(configuration["source"] as? String == "last_good", "\(configuration)")
            #expect(problems.count == 1 && problems.allSatisfy(isTheProblem), "\(problems)")
            #expect(configuration["rejected_file"] as? String == rejected.path)
            #expect(FileManager.default.contents(atPath: rejected.path) == Data(text.utf8))
            #expect(FileManager.default.contents(atPath: file.path) == Data(text.utf8), "the refused file itself is left as it was")
            #expect(box.process.process.isRunning)
            let log = box.process.stderrText
            #expect(log.contains("configuration file refused at start: running on the last good copy \(lastGood.path)"), "\(log)")
            #expect(log.contains(problems.first ?? "?") && log.contains(rejected.path), "\(log)")
            #expect(log.contains("segment.seconds=4"), "the last good copy's settings run: \(log)")
            #expect(try box.stop() == 0)
            // `config check` still says what is wrong, and fails.
            let check = try ExternalProcess.run(AlivedCommandTests.binary, ["config", "check", file.path], timeout: 30)
            #expect(check.status == 78, "\(check.stdout)")
            #expect(check.stdout.contains(problems.first.map { String($0.prefix(20)) } ?? "?"), "\(check.stdout)")
        }

        // The page says so, and how to fix it; saving from the API replaces the file with what runs.
        let box = try await Self.start(config: file, dataDirectory: directory)
        try Self.checkBanner(port: box.httpPort, rejectedFile: rejected.path)
        let setup = try await http("POST", port: box.httpPort, path: "/api/v1/auth/setup", body: #"{"password":"correct horse"}"#)
        let token = try #require(setup.json["token"] as? String)
        let save = try await http("PATCH", port: box.httpPort, path: "/api/v1/config", headers: ["Authorization": "Bearer \(token)"], body: "{}")
        #expect(save.status == 200, "\(save.body)")
        let fixed = try await box.configuration()
        #expect(fixed["source"] as? String == "file" && (fixed["problems"] as? [String])?.isEmpty == true && fixed["rejected_file"] is NSNull, "\(fixed)")
        try Self.checkBanner(port: box.httpPort, rejectedFile: rejected.path, hidden: true)
        let written = try String(contentsOf: file, encoding: .utf8)
        #expect(written.contains("seconds = 4") && !written.contains("evil"), "\(written)")
        #expect(try ExternalProcess.run(AlivedCommandTests.binary, ["config", "check", file.path], timeout: 30).status == 0)
        #expect(FileManager.default.contents(atPath: rejected.path) == Data(broken[1].text.utf8), "the refused copy stays for inspection")
        #expect(try box.stop() == 0)
    }

    @Test func withoutALastGoodCopyTheEmbeddedDefaultRuns() async throws {
        let directory = TestScratch.directory("fallback-default")
        let file = directory.appendingPathComponent("alived.toml")
        try "[storage.evil]\nx = 1\n".write(to: file, atomically: true, encoding: .utf8)
        let box = try await Self.start(config: file, dataDirectory: directory)
        let configuration = try await box.configuration()
        #expect(configuration["source"] as? String == "default", "\(configuration)")
        #expect(configuration["problems"] as? [String] == ["storage.evil: unknown setting"])
        #expect(configuration["rejected_file"] as? String == file.path + ".rejected")
        // The embedded default: it stores on the box and publishes to its journal.
        let status = try await box.status()
        #expect((status["storage"] as? [String: Any])?["backend"] as? String == "box", "\(status)")
        #expect(box.process.stderrText.contains("running on the embedded default"))
        #expect(try box.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: file.path + ".last-good"), "a refused file never becomes the last good copy")

        // No file at all: the embedded default by choice, nothing wrong.
        let plain = try await Self.start(config: nil, dataDirectory: TestScratch.directory("fallback-none"))
        let chosen = try await plain.configuration()
        #expect(chosen["source"] as? String == "default" && (chosen["problems"] as? [String])?.isEmpty == true && chosen["rejected_file"] is NSNull, "\(chosen)")
        #expect(!plain.process.stderrText.contains("refused"))
        #expect(try plain.stop() == 0)
    }

    /// Tests/Support/config_banner_check.py: the banner in headless chromium.
    private static func checkBanner(port: Int, rejectedFile: String, hidden: Bool = false) throws {
        let root = AlivedCommandTests.packageRoot
        let output = root.appendingPathComponent("test-output")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let page = try ExternalProcess.run(root.appendingPathComponent(".venv/bin/python").path, [
            root.appendingPathComponent("Tests/Support/config_banner_check.py").path, "http://127.0.0.1:\(port)", rejectedFile,
            output.appendingPathComponent(hidden ? "status-page-config-fixed.png" : "status-page-config-refused.png").path,
        ] + (hidden ? ["--hidden"] : []), timeout: 90)
        #expect(page.status == 0 && page.stdout.contains("banner: ok"), "\(page.stdout)\n\(page.stderr.suffix(2000))")
    }
}

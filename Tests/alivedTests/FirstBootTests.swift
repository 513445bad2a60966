@testable import alived
import AliveControl
import AliveTestSupport
import AlivePublish
import Foundation
import Logging
import Synchronization
import Testing

@Suite struct FirstBootTests {
    /// A box's files in a temporary folder: configuration, data directory, /etc/hostname and /etc/hosts.
    final class Fixture {
        let root = TestScratch.directory("firstboot")
        var settings: String { root.appendingPathComponent("alived-firstboot.toml").path }
        var configuration: String { root.appendingPathComponent("alived.toml").path }
        var data: String { root.appendingPathComponent("data").path }
        var problems: String { root.appendingPathComponent("data/firstboot-problems.txt").path }
        var hostname: String { root.appendingPathComponent("hostname").path }
        var hosts: String { root.appendingPathComponent("hosts").path }
        let renamed = Mutex<[String]>([])

        init(configuration text: String? = nil) throws {
            try (text ?? "data_dir = \"\(data)\"\n\n[ingest]\nrtmp_port = 1935\n").write(toFile: configuration, atomically: true, encoding: .utf8)
            try "debian\n".write(toFile: hostname, atomically: true, encoding: .utf8)
            try "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost\n".write(toFile: hosts, atomically: true, encoding: .utf8)
        }

        func run(settings text: String?) throws -> FirstBoot.Outcome {
            if let text { try text.write(toFile: settings, atomically: true, encoding: .utf8) }
            return try FirstBoot(
                paths: .init(settings: settings, configuration: configuration, problems: problems, hostname: hostname, hosts: hosts),
                owner: (getuid(), getgid()),
                setSystemHostname: { name in self.renamed.withLock { $0.append(name) } },
                logger: Logger(label: "test")
            ).run()
        }

        func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

        func mode(_ path: String) throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
    }

    @Test func appliesTheSettingsAndErasesTheFile() throws {
        let box = try Fixture(configuration: nil)
        try "data_dir = \"\(box.data)\"\n[ring]\nbudget_mib = 32\n"
            .write(toFile: box.configuration, atomically: true, encoding: .utf8)
        let outcome = try box.run(settings: """
            hostname = "alive-box-7"
            [ingest]
            stream_key = "s3cret-Key_1"
            rtmp_port = 1936
            [http]
            port = 8081
            """)
        #expect(outcome == .applied(["hostname", "http.port", "ingest.rtmp_port", "ingest.stream_key"]))

        // The box reads what was written: ports changed, other keys kept, the key from its 0600 file.
        let configuration = try BoxConfiguration.parse(toml: try #require(box.read(box.configuration)))
        #expect(configuration.ingest.rtmpPort == 1936)
        #expect(configuration.http.port == 8081)
        #expect(configuration.ring.budgetMiB == 32)
        #expect(configuration.dataDirectory == box.data)
        #expect(try #require(box.read(box.configuration)).contains("s3cret") == false)
        let keyFile = box.data + "/secrets.toml"
        #expect(try SecretsStore(directory: box.data).current.streamKey == "s3cret-Key_1")
        #expect(try box.mode(keyFile) == 0o600)
        #expect(try box.mode(box.data) == 0o700)

        #expect(box.read(box.hostname) == "alive-box-7\n")
        #expect(box.read(box.hosts) == "127.0.0.1\tlocalhost\n127.0.1.1\talive-box-7\n::1\tlocalhost ip6-localhost\n")
        #expect(box.renamed.withLock { $0 } == ["alive-box-7"])
        #expect(!FileManager.default.fileExists(atPath: box.settings))
        #expect(!FileManager.default.fileExists(atPath: box.problems))
    }

    @Test func anInvalidFileChangesNothingAndLeavesItsProblemsVisible() throws {
        let box = try Fixture()
        let before = try #require(box.read(box.configuration))
        let outcome = try box.run(settings: """
            hostname = "-bad-"
            page_password = "hunter2-secret"
            [ingest]
            stream_key = "has spaces-secret"
            rtmp_port = 70000
            [http]
            port = "8080"
            """)
        guard case .refused(let error) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(Set(error.problems.map(\.path)) == ["hostname", "page_password", "http.port", "ingest.rtmp_port", "ingest.stream_key"])

        #expect(box.read(box.configuration) == before)
        #expect(box.read(box.hostname) == "debian\n")
        #expect(box.renamed.withLock { $0 }.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: box.data + "/secrets.toml"))
        #expect(!FileManager.default.fileExists(atPath: box.settings), "the plain-text secrets are erased")

        let problems = try #require(box.read(box.problems))
        #expect(problems.contains("page_password: unknown setting"))
        #expect(problems.contains("http.port: must be an integer"))
        #expect(!problems.contains("secret"), "values never reach the problems file")
        #expect(try box.mode(box.problems) == 0o600)
    }

    @Test func pagePasswordStorageAndPublishingGoWhereTheBoxReadsThem() throws {
        let box = try Fixture()
        let postingWIF = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
        let outcome = try box.run(settings: """
            [http]
            page_password = "venue password"
            [storage]
            backend = "kubo"
            endpoints = ["http://192.168.1.20:5001", "http://192.168.1.21:5001"]
            [publishing]
            network = "hive"
            streamer = "alice"
            link = "venue-1"
            posting_key = "\(postingWIF)"
            [publishing.hive]
            api_nodes = ["https://api.hive.blog"]
            [publishing.alivedb]
            url = "http://192.168.1.20:3010"
            """)
        #expect(outcome == .applied([
            "http.page_password", "publishing.alivedb.url", "publishing.hive.api_nodes", "publishing.link", "publishing.network",
            "publishing.posting_key", "publishing.streamer", "storage.backend", "storage.endpoints",
        ]))
        let text = try #require(box.read(box.configuration))
        let configuration = try BoxConfiguration.parse(toml: text)
        #expect(configuration.storage.backend == .kubo)
        #expect(configuration.storage.endpoints == ["http://192.168.1.20:5001", "http://192.168.1.21:5001"])
        let publishing = try PublishingConfiguration.parse(toml: text)
        #expect(publishing.network == .hive && publishing.streamer == "alice" && publishing.link == "venue-1")
        #expect(publishing.hive.apiNodes == ["https://api.hive.blog"])
        #expect(publishing.aliveDB?.url == "http://192.168.1.20:3010")
        #expect(!text.contains(postingWIF) && !text.contains("venue password"), "secrets stay out of the configuration")

        // The page asks for this password; publishing finds the key in the 0600 file.
        let stored = try SecretsStore(directory: box.data).current
        #expect(PasswordHash.verify("venue password", against: try #require(stored.pagePasswordHash)))
        #expect(try PublishingSecrets.load(path: box.data + "/secrets.toml").postingKey != nil)
        #expect(try box.mode(box.data + "/secrets.toml") == 0o600)
        #expect(!(try #require(box.read(box.data + "/secrets.toml"))).contains("venue password"), "only the hash is kept")
    }

    @Test func unusableSecretsAndPublishingSettingsAreRefusedWithTheirPaths() throws {
        let box = try Fixture()
        let before = box.read(box.configuration)
        let outcome = try box.run(settings: """
            [http]
            page_password = "short"
            [storage]
            endpoints = "http://one"
            [publishing]
            network = "hive"
            streamer = "Not An Account"
            link = "x"
            posting_key = "not-a-key"
            """)
        guard case .refused(let error) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        let paths = error.problems.map(\.path)
        #expect(paths.contains("http.page_password"))
        #expect(paths.contains("publishing.posting_key"))
        #expect(paths.contains("storage.endpoints"))
        #expect(paths.contains("publishing.streamer"), "\(error.problems)")
        #expect(!error.problems.contains { $0.reason.contains("not-a-key") || $0.reason.contains("short") }, "values are never shown")
        #expect(box.read(box.configuration) == before)
        #expect(!FileManager.default.fileExists(atPath: box.data + "/secrets.toml"))
    }

    /// The packaged box keeps its data in /var/lib/alived, where `alived firstboot` leaves
    /// the problems: the running box shows them as a warning in its status.
    @Test func aRefusedFileIsAWarningOnTheStatusPage() async throws {
        let running = try await ControlAPITests.RunningBox { data in
            let box = try Fixture()
            let outcome = try box.run(settings: "[http]\nport = \"eighty\"\npage_password = \"short\"\n")
            guard case .refused = outcome else { throw ExternalProcess.Failure(description: "expected a refusal: \(outcome)") }
            try FileManager.default.copyItem(atPath: box.problems, toPath: data.appendingPathComponent(FirstBoot.problemsFileName).path)
        }
        defer { running.stop() }
        let warnings = try await httpGet(port: running.httpPort, path: "/api/v1/status").json["warnings"] as? [String] ?? []
        let notice = try #require(warnings.first { $0.hasPrefix("first-boot settings were not applied: ") }, "\(warnings)")
        #expect(notice.contains("http.port: must be an integer") && notice.contains("http.page_password"), "\(notice)")
        #expect(!notice.contains("short") && !notice.contains("eighty"), "values are never shown")
    }

    @Test func rangeAndKeyProblemsAreFoundAsTheBoxWouldFindThem() throws {
        let box = try Fixture()
        let before = box.read(box.configuration)
        let outcome = try box.run(settings: "[ingest]\nrtmp_port = 70000\n")
        #expect(outcome == .refused(ConfigurationError(problems: [ConfigurationProblem(path: "ingest.rtmp_port", reason: "must be 0...65535 (was 70000)")])))
        let keyOutcome = try box.run(settings: "[ingest]\nstream_key = \"has spaces\"\n")
        guard case .refused(let error) = keyOutcome else {
            Issue.record("expected a refusal, got \(keyOutcome)")
            return
        }
        #expect(error.problems.map(\.path) == ["ingest.stream_key"])
        #expect(box.read(box.configuration) == before)
        #expect(!FileManager.default.fileExists(atPath: box.data + "/secrets.toml"))
    }

    @Test func notTOMLIsAProblemOfTheFile() throws {
        let box = try Fixture()
        let outcome = try box.run(settings: "hostname = \"unterminated\n")
        guard case .refused(let error) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(error.problems.map(\.path) == ["(file)"])
        #expect(!FileManager.default.fileExists(atPath: box.settings))
    }

    @Test func withoutASettingsFileNothingHappens() throws {
        let box = try Fixture()
        let before = box.read(box.configuration)
        #expect(try box.run(settings: nil) == .noSettings)
        #expect(box.read(box.configuration) == before)
        #expect(!FileManager.default.fileExists(atPath: box.problems))
    }

    @Test func aCorrectedFileClearsTheEarlierProblems() throws {
        let box = try Fixture()
        _ = try box.run(settings: "[http]\nport = -1\n")
        #expect(FileManager.default.fileExists(atPath: box.problems))
        #expect(try box.run(settings: "[http]\nport = 8082\n") == .applied(["http.port"]))
        #expect(!FileManager.default.fileExists(atPath: box.problems))
        #expect(try BoxConfiguration.parse(toml: try #require(box.read(box.configuration))).http.port == 8082)
    }

    @Test(arguments: [
        ("127.0.0.1\tlocalhost\n", "127.0.0.1\tlocalhost\n127.0.1.1\tbox\n"),
        ("127.0.0.1 localhost\n127.0.1.1 old.example old\n", "127.0.0.1 localhost\n127.0.1.1\tbox\n"),
        ("", "127.0.1.1\tbox\n"),
    ])
    func hostsFileNamesTheBox(before: String, after: String) {
        #expect(FirstBoot.hosts(before, naming: "box") == after)
    }

    @Test(arguments: ["a", "alive-box-1", String(repeating: "x", count: 63)])
    func acceptedHostnames(name: String) { #expect(Hostname.problem(name) == nil) }

    @Test(arguments: ["", "-a", "a-", "a.b", "a_b", "ä", String(repeating: "x", count: 64)])
    func refusedHostnames(name: String) { #expect(Hostname.problem(name) != nil) }
}

import AliveTestSupport
import Foundation
import Testing

/// `alived keys check` and `alived stream configure|end` as a technician runs them,
/// against the ledger doubles (Tests/Support/ledger_doubles.py: signatures checked by
/// hive-nectar, accounts from its own key strings).
@Suite(.serialized, .timeLimit(.minutes(3))) struct PublishingCommandTests {
    static let postingWIF = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
    static let postingPublic = "TST5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs"
    static let wrongWIF = "5JT8Fs5mkkZhu9fLXLeARkYczFALaX4kNc9yExFhejEV6ZtR4rp"
    static let wrongPublic = "TST8bNP8thCmN94jRmrmFoV7thG4qyEDx7jT3DzsvVZTphoWwLj9H"
    static let chainID = "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e"

    @Test func keysCheckPrintsBothKeysAndFailsOnAWrongOne() async throws {
        let doubles = try Doubles()
        defer { doubles.stop() }
        let directory = TestScratch.directory("keys")
        let config = try doubles.config(in: directory, link: "keys")
        let good = try secrets(in: directory, name: "good.toml", key: Self.postingWIF)
        let ok = try ExternalProcess.run(AlivedCommandTests.binary, ["keys", "check", "--config", config, "--secrets", good], timeout: 60)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("derived public key: \(Self.postingPublic)"))
        #expect(ok.stdout.contains("account keys:       \(Self.postingPublic)"))
        #expect(ok.stdout.contains("OK: the configured key is one of alice's posting keys"))
        #expect(ok.stdout.contains("alivedb user alivebox") && ok.stdout.contains("OK: signed in"), "\(ok.stdout)")

        let wrong = try secrets(in: directory, name: "wrong.toml", key: Self.wrongWIF)
        let bad = try ExternalProcess.run(AlivedCommandTests.binary, ["keys", "check", "--config", config, "--secrets", wrong], timeout: 60)
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("derived public key: \(Self.wrongPublic)"))
        #expect(bad.stdout.contains("FAIL: the configured posting key (public key \(Self.wrongPublic)) is not one of alice's posting keys"))
        #expect(!(bad.stdout + bad.stderr).contains(Self.wrongWIF), "a key is never printed")
        #expect(try doubles.state().contains("\"broadcast_calls\": {}"), "a key check broadcasts nothing")
    }

    @Test func streamConfigureAndEndPrintTheTransactionOnChain() async throws {
        let doubles = try Doubles()
        defer { doubles.stop() }
        let directory = TestScratch.directory("stream")
        let config = try doubles.config(in: directory, link: "show1", extra: "gateway = \"https://gw.example\"\n")
        let keys = try secrets(in: directory, name: "secrets.toml", key: Self.postingWIF)
        let configure = try ExternalProcess.run(AlivedCommandTests.binary, ["stream", "configure", "--config", config, "--secrets", keys], timeout: 90)
        #expect(configure.status == 0, "\(configure.stderr)")
        #expect(configure.stdout.contains("stream alice/show1 configured on hive"))
        let configureID = try #require(Self.transactionID(configure.stdout), "\(configure.stdout)")

        let end = try ExternalProcess.run(AlivedCommandTests.binary, ["stream", "end", "--config", config, "--secrets", keys], timeout: 90)
        #expect(end.status == 0, "\(end.stderr)")
        let endID = try #require(Self.transactionID(end.stdout), "\(end.stdout)")

        // Both are on the double's chain, with the payloads ALIVE.md gives.
        let state = try doubles.state()
        #expect(state.contains("\"txid\": \"\(configureID)\"") && state.contains("\"txid\": \"\(endID)\""))
        #expect(state.contains("\"json\": {\"op\": 2, \"link\": \"show1\", \"pub\": \"alivedb-double-pub.key\", \"gw\": \"https://gw.example\", \"l2\": \"gundb\"}"), "\(state)")
        #expect(state.contains("\"json\": {\"op\": 1, \"link\": \"show1\"}"))
    }

    @Test func secretsReadableByOthersAndConfigTyposAreRefused() async throws {
        let doubles = try Doubles()
        defer { doubles.stop() }
        let directory = TestScratch.directory("refused")
        let config = try doubles.config(in: directory, link: "refused")
        let keys = try secrets(in: directory, name: "open.toml", key: Self.postingWIF, mode: 0o644)
        let open = try ExternalProcess.run(AlivedCommandTests.binary, ["keys", "check", "--config", config, "--secrets", keys], timeout: 60)
        #expect(open.status == 78)
        #expect(open.stderr.contains("mode 644") && open.stderr.contains("chmod 600"), "\(open.stderr)")
        #expect(!open.stderr.contains(Self.postingWIF))

        let typo = directory.appendingPathComponent("typo.toml")
        try "[publishing]\nnetwork = \"hive\"\nstreamer = \"alice\"\nlink = \"x\"\nbatch_intervall_seconds = 5\n[publishing.hive]\napi_nodes = []\n"
            .write(to: typo, atomically: true, encoding: .utf8)
        let good = try secrets(in: directory, name: "good.toml", key: Self.postingWIF)
        let refused = try ExternalProcess.run(AlivedCommandTests.binary, ["stream", "end", "--config", typo.path, "--secrets", good], timeout: 60)
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("publishing.batch_intervall_seconds: unknown key"), "\(refused.stderr)")
    }

    // MARK: helpers

    static func transactionID(_ stdout: String) -> String? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("transaction ") }) else { return nil }
        let id = line.split(separator: " ")[1]
        return id.count == 40 && id.allSatisfy(\.isHexDigit) ? String(id) : nil
    }

    private func secrets(in directory: URL, name: String, key: String, mode: Int = 0o600) throws -> String {
        let file = directory.appendingPathComponent(name)
        try "stream_key = \"someone-else's\"\nposting_key = \"\(key)\"\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
        return file.path
    }

    /// The doubles process, started with a bounded wait for its READY line.
    final class Doubles {
        let script: SupportScript
        let hive: [Int]
        let alivedb: Int
        let control: Int

        init() throws {
            let directory = TestScratch.directory("doubles")
            let accounts = directory.appendingPathComponent("accounts.json")
            try "{\"hive\": {\"alice\": {\"posting\": [\"\(PublishingCommandTests.postingPublic)\"]}}}"
                .write(to: accounts, atomically: true, encoding: .utf8)
            script = try SupportScript(script: "ledger_doubles.py", arguments: [
                "--accounts", accounts.path, "--chain-id", PublishingCommandTests.chainID, "--prefix", "TST",
            ], startTimeout: 30)
            guard let ports = try JSONSerialization.jsonObject(with: Data(script.payload.utf8)) as? [String: Any],
                  let hive = ports["hive"] as? [Int], let alivedb = ports["alivedb"] as? Int, let control = ports["control"] as? Int
            else {
                script.stop()
                throw ExternalProcess.Failure(description: "ledger doubles did not start: \(script.payload)")
            }
            self.hive = hive
            self.alivedb = alivedb
            self.control = control
        }

        func stop() { script.stop() }

        func config(in directory: URL, link: String, extra: String = "") throws -> String {
            let file = directory.appendingPathComponent("alived.toml")
            try """
                [publishing]
                network = "hive"
                streamer = "alice"
                link = "\(link)"
                request_timeout_seconds = 2
                confirmation_poll_seconds = 0.05
                \(extra)
                [publishing.hive]
                api_nodes = [\(hive.map { "\"http://127.0.0.1:\($0)\"" }.joined(separator: ", "))]
                chain_id = "\(PublishingCommandTests.chainID)"
                public_key_prefix = "TST"
                [publishing.alivedb]
                url = "http://127.0.0.1:\(alivedb)"
                """.write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }

        /// `GET /__state` as text (curl keeps this target free of an HTTP client).
        func state() throws -> String {
            try ExternalProcess.run("curl", ["-s", "--max-time", "10", "http://127.0.0.1:\(control)/__state"], timeout: 20).stdout
        }
    }
}

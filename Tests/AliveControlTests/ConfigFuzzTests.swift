import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

/// The short, seeded form of Fuzz/Sources/ConfigFuzz (scripts/fuzz runs the long one):
/// mutated configuration files and API bodies, with the same invariants. The seeds are
/// fixed, so a failure replays exactly.
@Suite("Config fuzz", .timeLimit(.minutes(2)))
struct ConfigFuzzTests {
    static let tomlSeeds: [String] = [
        BoxConfiguration.default.renderTOML(),
        """
        data_dir = "/var/lib/alived"
        [ingest]
        listen = "127.0.0.1"
        rtmp_port = 1936
        app = 'venue'
        [storage]
        backend = "kubo"
        endpoints = ["http://10.0.0.2:5001", "https://ipfs.example"]
        [publishing]
        network = "hive"
        batch_interval_seconds = 0.25
        viewer_url = "https://x.example/{link}?a=\\"b\\"\\n"
        nested = { a = [1, 2.5, "three", true, { b = [] }], "quoted key" = -0.0 }
        when = 1979-05-27T07:32:00Z
        [publishing.hive]
        api_nodes = ["http://127.0.0.1:8091"]
        """,
        "[publishing]\n\"end_on_stop = true\\n[storage.evil]\\nx\" = true\n'literal \\ key' = '''\nmulti\nline'''\n[storage]\nbackend = \"box\"\n",
        "[publishing.alivedb]\nurl = \"\"\n[[publishing.list]]\nname = \"é🎥\"\n[storage]\nbackend = \"box\"\n",
    ]

    static let jsonSeeds: [String] = [
        #"{"segments":{"seconds":4},"ring":{"budget_mib":32}}"#,
        #"{"publishing":{"end_on_stop = true\n[storage.evil]\nx":true,"network":"local"}}"#,
        #"{"publishing":{"hive":{"api_nodes":["http://127.0.0.1:8091"]},"batch_interval_seconds":0.5,"a\"b":[1,2.5e10,"x",null,{}]}}"#,
        #"{"http":{"open_hls":false},"storage":{"endpoints":["http://a"],"backend":"kubo"},"data_dir":"/srv/\u00e9\ud83c\udfa5"}"#,
        #"{"publishing":{"x":1e400,"y":-1e-400,"z":"\u0000","":{"":[[[]]]}}}"#,
    ]

    static let bodySeeds: [String] = [
        #"{"password":"correct horse"}"#, #"{"current":"correct horse","new":"battery staple"}"#,
        #"{"stream_key":"venue-key-42","posting_key":"5Jx"}"#, #"{"stream_key":"../../etc/passwd"}"#,
    ]

    /// A file that parses is rendered and parsed again: the same tree, or the writer and the
    /// reader disagree. Anything refused must be refused as a `ConfigurationError`.
    @Test func mutatedConfigurationFilesReadBackAsTheyParse() {
        var random = SeededRandom(seed: 0xC0F1_6000)
        var parsed = 0, violations: [String] = []
        for round in 0..<4000 {
            let seed = Self.tomlSeeds[round % Self.tomlSeeds.count]
            let text = String(decoding: TextMutation.mutate(Array(seed.utf8), using: &random), as: UTF8.self)
            do {
                let configuration = try BoxConfiguration.parse(toml: text)
                parsed += 1
                let again = try BoxConfiguration.parse(toml: configuration.renderTOML())
                if again.tree != configuration.tree { violations.append("renders to a different tree:\n\(text)") }
            } catch is ConfigurationError {
            } catch {
                violations.append("\(type(of: error)) thrown for:\n\(text)")
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(3).joined(separator: "\n---\n"))")
        #expect(parsed >= 200, "only \(parsed) mutants parsed: the run exercised the reader, not the writer")
    }

    /// An API body decoded as the routes do, then applied as a PATCH or a PUT: refused, or the
    /// file reads back as the tree the store runs.
    @Test func mutatedConfigurationBodiesAreRefusedOrWrittenFaithfully() throws {
        var random = SeededRandom(seed: 0xC0F1_6001)
        let path = TestScratch.directory("config-fuzz").appendingPathComponent("alived.toml").path
        var decoded = 0, accepted = 0, violations: [String] = []
        for round in 0..<6000 {
            let seed = Self.jsonSeeds[round % Self.jsonSeeds.count]
            let body = TextMutation.mutate(Array(seed.utf8), edits: 1...2, using: &random)
            guard let tree = try? JSONDecoder().decode(ConfigValue.self, from: Data(body)) else { continue }
            decoded += 1
            try? FileManager.default.removeItem(atPath: path)
            let store = ConfigurationStore(path: path, initial: .default)
            do {
                _ = round % 2 == 0 ? try store.patch(with: tree) : try store.replace(with: tree)
            } catch is ConfigurationError {
                if FileManager.default.fileExists(atPath: path) { violations.append("refused but written: \(String(decoding: body, as: UTF8.self))") }
                if store.current != .default { violations.append("refused but applied: \(String(decoding: body, as: UTF8.self))") }
                continue
            } catch {
                violations.append("\(type(of: error)) thrown for: \(String(decoding: body, as: UTF8.self))")
                continue
            }
            accepted += 1
            guard let data = FileManager.default.contents(atPath: path) else {
                if store.current != .default { violations.append("applied but not written: \(String(decoding: body, as: UTF8.self))") }
                continue
            }
            let reread = try? BoxConfiguration.parse(toml: String(decoding: data, as: UTF8.self))
            if reread?.tree != store.current.tree { violations.append("the file does not read back as the store's tree: \(String(decoding: body, as: UTF8.self))") }
        }
        #expect(violations.isEmpty, "\(violations.prefix(3).joined(separator: "\n---\n"))")
        #expect(decoded >= 300 && accepted >= 100, "decoded \(decoded), accepted \(accepted)")
    }

    /// The other bodies the routes decode: the secrets map (and its stream-key rule) and the
    /// password bodies, which have the same shape as ControlServer+Auth's private types.
    @Test func mutatedSecretAndPasswordBodiesDecodeOrFailCleanly() {
        struct PasswordBody: Decodable { var password: String }
        struct PasswordChangeBody: Decodable { var current: String; var new: String }
        var random = SeededRandom(seed: 0xC0F1_6002)
        var violations: [String] = []
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".utf8)
        for round in 0..<3000 {
            let body = Data(TextMutation.mutate(Array(Self.bodySeeds[round % Self.bodySeeds.count].utf8), using: &random))
            do {
                let secrets = try JSONDecoder().decode([String: String].self, from: body)
                // The rule, restated independently of isPathSafe: 8-128 of these bytes, not `.` or `..`.
                if let key = secrets["stream_key"], SecretsStore.isValidStreamKey(key),
                   !((8...128).contains(key.utf8.count) && key.utf8.allSatisfy(allowed.contains)) {
                    violations.append("stream key accepted: \(key.debugDescription)")
                }
            } catch where !(error is DecodingError) {
                violations.append("secrets body: \(type(of: error))")
            } catch {}
            do { _ = try JSONDecoder().decode(PasswordBody.self, from: body) } catch where !(error is DecodingError) {
                violations.append("password body: \(type(of: error))")
            } catch {}
            do { _ = try JSONDecoder().decode(PasswordChangeBody.self, from: body) } catch where !(error is DecodingError) {
                violations.append("password change body: \(type(of: error))")
            } catch {}
        }
        #expect(violations.isEmpty, "\(violations.prefix(3))")
    }
}

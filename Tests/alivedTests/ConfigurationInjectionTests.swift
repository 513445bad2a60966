import AliveBox
import AliveControl
import AliveTestSupport
import Foundation
import Testing
@testable import alived

/// Issue 15, item 5: an authenticated PATCH must not be able to write a file the next start
/// refuses. With the validator `alived run` uses, and through the real API.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ConfigurationInjectionTests {
    /// Once accepted and written unquoted, this key became a `[storage.evil]` table: exit 78
    /// at every start after.
    static let injectionKey = "end_on_stop = true\n[storage.evil]\nx"
    static let injectionPath = #"publishing."end_on_stop = true\n[storage.evil]\nx""#

    private static func bytes(_ url: URL) -> Data? { FileManager.default.contents(atPath: url.path) }

    @Test func theStoreRefusesTheKeyWithTheBoxsOwnValidator() throws {
        let file = TestScratch.directory("injection-store").appendingPathComponent("alived.toml")
        let store = ConfigurationStore(path: file.path, initial: .default) { $0.publishingProblems() }
        _ = try store.patch(with: .table(["segments": .table(["seconds": .integer(4)])]))
        let before = try #require(Self.bytes(file))
        do {
            _ = try store.patch(with: .table(["publishing": .table([Self.injectionKey: .boolean(true)])]))
            Issue.record("the injection key was accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems == [ConfigurationProblem(path: Self.injectionPath, reason: "unknown key (a typo is never ignored)")], "\(error)")
        }
        #expect(Self.bytes(file) == before)
        #expect(store.current.segments.seconds == 4 && store.origin == .file)
    }

    @Test func theAPIRefusesWhatTheFileCannotHoldAndTheBoxStartsAgain() async throws {
        let box = try await ControlAPITests.RunningBox()
        defer { box.stop() }
        let token = try await box.setUp()
        let file = box.directory.appendingPathComponent("alived.toml")

        // A normal PATCH still works, and the file reads back as the configuration served.
        let changed = try await box.request("PATCH", "/api/v1/config", token: token, body: #"{"segments":{"seconds":4},"publishing":{"batch_interval_seconds":20}}"#)
        #expect(changed.status == 200, "\(changed.body)")
        let served = try await box.request("GET", "/api/v1/config", token: token)
        let tree = try #require(try JSONDecoder().decode([String: ConfigValue].self, from: served.data)["config"])
        let saved = try #require(Self.bytes(file))
        #expect(try BoxConfiguration.parse(toml: String(decoding: saved, as: UTF8.self)).tree == tree)
        #expect(Self.bytes(box.directory.appendingPathComponent("alived.toml.last-good")) == saved)

        let injection = try String(decoding: JSONEncoder().encode(["publishing": [Self.injectionKey: true]]), as: UTF8.self)
        var deep = #""bottom""#
        for _ in 0..<12 { deep = #"{"d":\#(deep)}"# }
        let refusals: [(body: String, path: String?, reason: String?)] = [
            (injection, Self.injectionPath, "unknown key (a typo is never ignored)"),
            (#"{"publishing":{"viewer_url":"a\u0000b"}}"#, "publishing.viewer_url", "must not contain a NUL character"),
            (#"{"data_dir":"/srv/\u0000x"}"#, "data_dir", "must not contain a NUL character"),
            (#"{"publishing":{"x":\#(deep)}}"#, "publishing.x.d.d.d.d.d.d.d", "nested deeper than 8 levels"),
            // Past the decoder's own limits: refused before any of the box's code sees it.
            (#"{"publishing":{"x":1e400}}"#, nil, nil),
            (#"{"publishing":{"x":"# + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "}}", nil, nil),
        ]
        for refusal in refusals {
            let result = try await box.request("PATCH", "/api/v1/config", token: token, body: refusal.body)
            #expect(result.status == 400, "\(refusal.body.prefix(80)): \(result.status) \(result.body)")
            if let path = refusal.path {
                let problems = (result.json["errors"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "")|\($0["reason"] ?? "")" }
                #expect(problems.contains("\(path)|\(refusal.reason ?? "")"), "\(result.body)")
            }
            #expect(Self.bytes(file) == saved, "the file changed after \(refusal.body.prefix(80))")
        }
        #expect(try await box.request("GET", "/api/v1/config", token: token).data == served.data, "the running configuration changed")

        // The file the API left is one the next start takes as it is.
        box.stop()
        let httpPort = try freePort()
        let again = try ExternalProcess.start(AlivedCommandTests.binary, [
            "run", "--data-dir", box.directory.path, "--http-port", "\(httpPort)", "--rtmp-port", "0",
        ])
        defer { again.stop() }
        try await waitFor("healthz after the restart") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
        let configuration = try await httpGet(port: httpPort, path: "/api/v1/status").json["configuration"] as? [String: Any]
        #expect(configuration?["source"] as? String == "file", "\(configuration ?? [:])")
        #expect((configuration?["problems"] as? [String])?.isEmpty == true)
        #expect(again.stderrText.contains("segment.seconds=4"), "\(again.stderrText)")
    }
}

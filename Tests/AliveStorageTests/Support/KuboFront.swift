import AliveTestSupport
import Foundation
@testable import AliveStorage

/// A loopback HTTP front (Tests/Support/kubo_front.py) started by a test: over a real
/// Kubo node by default, or without Kubo for the portal and fault doubles. Started
/// with a bounded wait; stopped by `stop()` (and by the front itself when our end of
/// its stdin closes, so it never outlives the test process).
final class KuboFront: Sendable {
    let port: Int
    private let script: SupportScript

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a front and waits (bounded) for its READY line, off the Swift
    /// concurrency pool so parallel tests never starve it.
    static func start(kubo: Bool = true, token: String? = nil, port: Int = 0,
                      tls: (certificate: String, key: String)? = nil) async throws -> KuboFront {
        var arguments = ["--port", "\(port)"]
        if !kubo { arguments.append("--no-kubo") }
        if let token { arguments += ["--token", token] }
        if let tls { arguments += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        let script = try await SupportScript.start(script: "kubo_front.py", arguments: arguments, startTimeout: 30, keepStandardError: true)
        guard let bound = Int(script.payload) else {
            script.stop()
            throw FrontError("kubo_front.py announced no port: \(script.payload)")
        }
        return KuboFront(port: bound, script: script)
    }

    private init(port: Int, script: SupportScript) {
        self.port = port
        self.script = script
    }

    /// Asks the front to stop (SIGTERM) without waiting.
    func stop() { script.stop() }

    /// Stops the front and waits (bounded) until it has exited and freed its port.
    func stopAndWait() async { await script.stopAndWait() }

    /// Switches fault injection: normal, status500, hang, close-mid-body, wrong-cid, slow.
    func setMode(_ mode: String, delay: Double = 0, using client: HTTPClient) async throws {
        let response = try await client.send(HTTPRequest(method: .post, url: "\(baseURL)/__mode?set=\(mode)&delay=\(delay)",
                                                         body: .bytes(OwnedBytes([]), contentType: "text/plain")))
        guard response.status == 200 else { throw FrontError("mode switch failed: \(response.status)") }
    }

    /// Counters and the last upload's multipart shape, as the front saw them.
    func stats(using client: HTTPClient) async throws -> [String: Any] {
        let response = try await client.send(.get("\(baseURL)/__stats"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
    }

    /// Kubo's own CID for `bytes` (AddFile with onlyHash), through the front.
    func kuboCID(of bytes: [UInt8], cidVersion: CIDVersion = .v0, using client: HTTPClient) async throws -> String {
        let form = MultipartForm([.file("file", filename: "probe", bytes: OwnedBytes(bytes))])
        let response = try await client.send(HTTPRequest(
            method: .post, url: "\(baseURL)/api/v0/add?only-hash=true&cid-version=\(cidVersion.rawValue)",
            body: .multipart(form), totalTimeout: .seconds(120)))
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let hash = object["Hash"] as? String else {
            throw FrontError("only-hash add failed: \(response.status) \(response.bodyText())")
        }
        return hash
    }
}

struct FrontError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random bytes (AliveTestSupport's SplitMix64), so a failing size can be replayed.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededRandom(seed: seed)
    return generator.bytes(count)
}

/// A segment for the stage tests: available until `evict()` is called.
final class TestSegment: StorableSegment, @unchecked Sendable {
    // @unchecked: `evicted` goes through Locked.
    let sequence: UInt64
    let duration: Double
    let discontinuity: Bool
    let bytes: PagedBytes
    private let evicted = Locked(false)

    init(sequence: UInt64, duration: Double, bytes: [UInt8], discontinuity: Bool = false) {
        self.sequence = sequence
        self.duration = duration
        self.discontinuity = discontinuity
        self.bytes = PagedBytes(bytes, pageSize: 65_536)
    }

    func evict() { evicted.value = true }

    func lease() -> (any SegmentBytes)? { evicted.value ? nil : bytes }
}

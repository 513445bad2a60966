import Foundation
@testable import AliveStorage

/// A loopback HTTP front (Tests/Support/kubo_front.py) started by a test: over a real
/// Kubo node by default, or without Kubo for the portal and fault doubles. Started
/// with a bounded wait; stopped by `stop()` (and by the front itself when our end of
/// its stdin closes, so it never outlives the test process).
final class KuboFront: @unchecked Sendable {
    // @unchecked: `process` and `input` are set in init and only read afterwards.
    let port: Int
    private let process: Process
    private let input: Pipe

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a front and waits (bounded) for its READY line, off the Swift
    /// concurrency pool so parallel tests never starve it.
    static func start(kubo: Bool = true, token: String? = nil, port: Int = 0,
                      tls: (certificate: String, key: String)? = nil) async throws -> KuboFront {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try KuboFront(kubo: kubo, token: token, port: port, tls: tls) })
            }
        }
    }

    private init(kubo: Bool, token: String?, port: Int, tls: (certificate: String, key: String)?,
                 startTimeout: TimeInterval = 30) throws {
        let python = Self.packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw FrontError("no \(python.path): run scripts/install-deps --test")
        }
        let process = Process()
        process.executableURL = python
        var arguments = [Self.packageRoot.appendingPathComponent("Tests/Support/kubo_front.py").path, "--port", "\(port)"]
        if !kubo { arguments.append("--no-kubo") }
        if let token { arguments += ["--token", token] }
        if let tls { arguments += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()

        // Read the READY line on a helper thread so the wait can be bounded.
        let ready = DispatchSemaphore(value: 0)
        let line = LockedBox<String>("")
        Thread.detachNewThread {
            var text = ""
            while !text.contains("\n") {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            line.value = text
            ready.signal()
        }
        guard ready.wait(timeout: .now() + startTimeout) == .success,
              let found = line.value.split(separator: "\n").first, found.hasPrefix("READY "),
              let bound = Int(found.dropFirst(6)) else {
            process.terminate()
            throw FrontError("kubo_front.py did not become ready within \(startTimeout) s: \(line.value)")
        }
        self.port = bound
        self.process = process
        self.input = input
    }

    /// Asks the front to stop (SIGTERM) without waiting.
    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
    }

    /// Stops the front and waits (bounded) until it has exited and freed its port.
    func stopAndWait() async {
        stop()
        let process = process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(10)
                while process.isRunning && Date() < deadline { usleep(10_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                continuation.resume()
            }
        }
    }

    deinit { stop() }

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

/// A value shared with a helper thread.
final class LockedBox<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// Deterministic pseudo-random bytes (SplitMix64), so a failing size can be replayed.
func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        var index = 0
        while index < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z.littleEndian) { word in
                let take = min(8, count - index)
                buffer.baseAddress!.advanced(by: index).copyMemory(from: word.baseAddress!, byteCount: take)
            }
            index += 8
        }
    }
    return bytes
}

/// A segment for the stage tests: available until `evict()` is called.
final class TestSegment: StorableSegment, @unchecked Sendable {
    // @unchecked: `evicted` goes through LockedBox.
    let sequence: UInt64
    let duration: Double
    let discontinuity: Bool
    let bytes: PagedBytes
    private let evicted = LockedBox(false)

    init(sequence: UInt64, duration: Double, bytes: [UInt8], discontinuity: Bool = false) {
        self.sequence = sequence
        self.duration = duration
        self.discontinuity = discontinuity
        self.bytes = PagedBytes(bytes, pageSize: 65_536)
    }

    func evict() { evicted.value = true }

    func lease() -> (any SegmentBytes)? { evicted.value ? nil : bytes }
}

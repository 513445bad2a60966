import Foundation

/// A loopback helper from Tests/Support (ledger doubles, Kubo front) run with the
/// project's virtualenv: started with a bounded wait for its `READY <payload>` line,
/// stopped by `stop()`, and gone by itself when our end of its stdin closes (so it
/// never outlives the test process).
final class SupportServer: @unchecked Sendable {
    // @unchecked: every stored property is set in init and only read afterwards.
    let payload: String
    private let process: Process
    private let input: Pipe

    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Starts `script` off the Swift concurrency pool (a blocking wait there could
    /// starve the tests' own tasks).
    static func start(script: String, arguments: [String], startTimeout: TimeInterval = 60) async throws -> SupportServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try SupportServer(script: script, arguments: arguments, startTimeout: startTimeout)
                })
            }
        }
    }

    private init(script: String, arguments: [String], startTimeout: TimeInterval) throws {
        let python = Self.packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure("no \(python.path): run scripts/install-deps --test")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/Support/\(script)").path] + arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        let ready = DispatchSemaphore(value: 0)
        let line = Locked("")
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
              let first = line.value.split(separator: "\n").first, first.hasPrefix("READY ")
        else {
            process.terminate()
            throw Failure("\(script) did not become ready within \(startTimeout) s: \(line.value)")
        }
        payload = String(first.dropFirst(6))
        self.process = process
        self.input = input
    }

    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
    }

    deinit { stop() }
}

/// A value shared with a helper thread.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

import Foundation

/// A loopback helper from Tests/Support (ledger doubles, Kubo front) run with the
/// project's virtualenv: started with a bounded wait for its `READY <payload>` line,
/// stopped by `stop()`, and gone by itself when our end of its stdin closes (so it
/// never outlives the test process).
public final class SupportScript: @unchecked Sendable {
    // @unchecked: every stored property is set in init and only read afterwards.
    /// What the script printed after `READY ` (a port, or JSON with several).
    public let payload: String
    private let process: Process
    private let input: Pipe

    /// The package root (…/Tests/AliveTestSupport/SupportScript.swift → …).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The project's Python virtualenv (scripts/install-deps --test makes it).
    public static var python: URL { packageRoot.appendingPathComponent(".venv/bin/python") }

    /// Starts `script` off the Swift concurrency pool (a blocking wait there could
    /// starve the tests' own tasks).
    public static func start(script: String, arguments: [String], startTimeout: TimeInterval = 60,
                             keepStandardError: Bool = false) async throws -> SupportScript {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try SupportScript(script: script, arguments: arguments, startTimeout: startTimeout, keepStandardError: keepStandardError)
                })
            }
        }
    }

    /// Starts `script` and blocks (bounded) until it is ready. `keepStandardError`: its
    /// stderr goes to the test's instead of nowhere.
    public init(script: String, arguments: [String], startTimeout: TimeInterval = 60, keepStandardError: Bool = false) throws {
        let python = Self.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw ExternalProcess.Failure(description: "no \(python.path): run scripts/install-deps --test")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/Support/\(script)").path] + arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        if !keepStandardError { process.standardError = FileHandle.nullDevice }
        try process.run()

        let line = Self.firstLine(of: output.fileHandleForReading, timeout: startTimeout)
        guard line.hasPrefix("READY ") else {
            process.terminate()
            throw ExternalProcess.Failure(description: "\(script) did not become ready within \(startTimeout) s: \(line)")
        }
        payload = String(line.dropFirst(6))
        self.process = process
        self.input = input
    }

    /// Asks the script to stop (SIGTERM) without waiting.
    public func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
    }

    /// Stops the script and waits (bounded) until it has exited and freed its ports.
    public func stopAndWait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread { [self] in
                stopAndWaitBlocking()
                continuation.resume()
            }
        }
    }

    /// `stopAndWait()` on the calling thread: SIGTERM, then SIGKILL after 10 s.
    public func stopAndWaitBlocking() {
        stop()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }

    /// The first line `handle` gives within `timeout` (without its newline; what came
    /// so far when the time ran out), read on a helper thread so the wait is bounded.
    public static func firstLine(of handle: FileHandle, timeout: TimeInterval) -> String {
        let text = Locked("")
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var buffer = ""
            while !buffer.contains("\n") {
                let data = handle.availableData
                if data.isEmpty { break }
                buffer += String(decoding: data, as: UTF8.self)
            }
            text.value = buffer
            done.signal()
        }
        _ = done.wait(timeout: .now() + timeout)
        return String(text.value.prefix { $0 != "\n" })
    }
}

import Foundation

/// Runs a command-line tool (ffmpeg, ffprobe) with a bounded wait.
public struct ExternalProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public struct Output {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs to completion or kills the process after `timeout` seconds.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> Output {
        let running = try start(executable, arguments)
        return try running.wait(timeout: timeout)
    }

    /// Runs to completion and returns the standard output; throws (with its stderr) when it
    /// exits with anything but 0, or after `timeout` seconds.
    @discardableResult
    public static func output(_ executable: String, _ arguments: [String], timeout: Double = 120) throws -> String {
        let output = try run(executable, arguments, timeout: timeout)
        guard output.status == 0 else {
            throw Failure(description: "\(executable) exited \(output.status): \(output.stderr)\(output.stdout)")
        }
        return output.stdout
    }

    /// `environment`: variables added to (or replacing those of) the test process's.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try which(executable))
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdout = TestScratch.file("proc", suffix: ".out")
        let stderr = TestScratch.file("proc", suffix: ".err")
        _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Running(process: process, stdoutURL: stdout, stderrURL: stderr, label: "\(executable) \(arguments.joined(separator: " "))")
    }

    public final class Running: @unchecked Sendable {
        // @unchecked: Process is only used from the test that started it.
        public let process: Process
        let stdoutURL: URL
        let stderrURL: URL
        let label: String

        init(process: Process, stdoutURL: URL, stderrURL: URL, label: String) {
            self.process = process
            self.stdoutURL = stdoutURL
            self.stderrURL = stderrURL
            self.label = label
        }

        // The output files are read through this object only.
        deinit {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }

        public func wait(timeout: Double) throws -> Output {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning {
                process.terminate()
                usleep(200_000)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                throw Failure(description: "timed out after \(timeout)s: \(label)\n\(stderrText)")
            }
            process.waitUntilExit()
            return Output(status: process.terminationStatus, stdout: stdoutText, stderr: stderrText)
        }

        public func stop() {
            if process.isRunning { process.interrupt() }
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        public var stdoutText: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
        public var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    }

    public static func which(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw Failure(description: "\(name) not found on PATH (scripts/install-deps --test installs it)")
    }
}

import Foundation

/// A child process whose stdout is read line by line with bounded waits (the crash
/// tests' helpers: the journal's and the publisher's).
public final class ChildLines {
    private let process = Process()
    private let output: FileHandle
    private var buffer = [UInt8]()

    public init(executable: String, arguments: [String]) throws {
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        try pipe.fileHandleForWriting.close()
        output = pipe.fileHandleForReading
    }

    public var isRunning: Bool { process.isRunning }
    public var terminationStatus: Int32 { process.terminationStatus }

    /// The next complete line, nil at end of output (a last line cut by a kill was never
    /// reported, so it is dropped); throws after `timeout`.
    public func readLine(timeout: Duration) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw ExternalProcess.Failure(description: "no line from the child within \(timeout)")
            }
            var descriptor = pollfd(fd: output.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(max(1, min(Double(Int32.max), remaining / .milliseconds(1))))
            guard poll(&descriptor, 1, milliseconds) > 0 else { continue }
            let chunk = output.availableData
            if chunk.isEmpty {
                buffer.removeAll()
                return nil
            }
            buffer.append(contentsOf: chunk)
        }
    }

    /// Reads lines until one starts with `prefix` (returned with every line before it).
    public func readUntil(_ prefix: String, timeout: Duration) throws -> [String] {
        let deadline = ContinuousClock.now + timeout
        var lines: [String] = []
        while true {
            guard let line = try readLine(timeout: max(deadline - ContinuousClock.now, .milliseconds(1))) else {
                throw ExternalProcess.Failure(description: "child ended before \(prefix): \(lines.suffix(3))")
            }
            lines.append(line)
            if line.hasPrefix(prefix) { return lines }
            if line.hasPrefix("error") { throw ExternalProcess.Failure(description: "child failed: \(line)") }
        }
    }

    /// SIGKILL, wait for the exit, and return every complete line it printed since.
    public func killAndCollect(timeout: Duration) throws -> [String] {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        var lines: [String] = []
        while let line = try readLine(timeout: timeout) { lines.append(line) }
        try output.close()
        return lines
    }

    /// Waits (bounded) for the process to exit by itself.
    public func waitForExit(timeout: Duration) throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw ExternalProcess.Failure(description: "child did not exit within \(timeout)")
            }
            usleep(10_000)
        }
        process.waitUntilExit()
    }
}

/// An executable built next to the test bundle (`.build/<config>/<name>`).
public func builtExecutable(_ name: String) throws -> String {
    let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    let candidates = [
        URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path,
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
    ]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExternalProcess.Failure(description: "\(name) not built next to the tests (\(candidates))")
    }
    return found
}

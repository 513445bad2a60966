import AliveTestSupport
import Foundation
@testable import AliveLedger

/// Shared fixtures of the AliveLedger tests.
enum Fixture {
    static func bytes(_ hex: String) -> [UInt8] {
        do { return try Hex.decode(hex, what: "fixture") } catch { fatalError("bad fixture hex") }
    }

    /// The head block behind the vectors: number 76092780 (ref_block_num 5484),
    /// id 0489156c e5156208 … (ref_block_prefix 140645861).
    static func vectorHead(time: String = "2024-01-01T00:00:00") throws -> HiveDynamicGlobalProperties {
        try HiveDynamicGlobalProperties(
            headBlockNumber: 76_092_780, headBlockIDHex: "0489156ce51562088e21cf7aee70bbdf6832965d", time: time)
    }

    /// Runs `body` with a fresh context, closed afterwards.
    static func withContext<T>(_ body: (Secp256k1Context) throws -> T) throws -> T {
        let context = try Secp256k1Context()
        defer { context.close() }
        return try body(context)
    }

    /// The package root (…/Tests/AliveLedgerTests/TestSupport.swift → …).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs a helper program with bounded time: input and output go through files so a
/// full pipe can never stall either side.
enum ExternalProgram {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `executable arguments… inputFile`, returns its standard output.
    static func run(_ executable: String, _ arguments: [String], input: String, timeout: Duration) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(description: "\(executable) is missing: run scripts/install-deps --test")
        }
        let directory = TestScratch.directory("ledger")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input")
        let outputURL = directory.appendingPathComponent("output")
        let errorURL = directory.appendingPathComponent("error")
        try Data(input.utf8).write(to: inputURL)
        try Data().write(to: outputURL)
        try Data().write(to: errorURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + [inputURL.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Failure(description: "\(executable) did not finish within \(timeout)")
        }
        let output = String(decoding: try Data(contentsOf: outputURL), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            let error = String(decoding: try Data(contentsOf: errorURL), as: UTF8.self)
            throw Failure(description: "\(executable) exited \(process.terminationStatus): \(error)\(output)")
        }
        return output
    }

    /// The project's Python virtualenv (scripts/install-deps --test makes it).
    static var python: String { Fixture.packageRoot.appendingPathComponent(".venv/bin/python").path }

    static var node: String {
        ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/node"
    }

    static func supportScript(_ name: String) -> String {
        Fixture.packageRoot.appendingPathComponent("Tests/Support/\(name)").path
    }
}

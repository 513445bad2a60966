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
}

/// Runs a helper program (node, Python) with bounded time over an input file.
enum ExternalProgram {
    /// Runs `executable arguments… inputFile`, returns its standard output; throws
    /// `ExternalProcess.Failure` (with its output) when it fails or runs past `timeout`.
    static func run(_ executable: String, _ arguments: [String], input: String, timeout: Duration) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ExternalProcess.Failure(description: "\(executable) is missing: run scripts/install-deps --test")
        }
        let directory = TestScratch.directory("ledger")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("input")
        try Data(input.utf8).write(to: inputURL)
        return try ExternalProcess.output(executable, arguments + [inputURL.path], timeout: timeout / .seconds(1))
    }

    /// The project's Python virtualenv (scripts/install-deps --test makes it).
    static var python: String { SupportScript.python.path }

    static var node: String {
        ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/node"
    }

    static func supportScript(_ name: String) -> String {
        SupportScript.packageRoot.appendingPathComponent("Tests/Support/\(name)").path
    }
}

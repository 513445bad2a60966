import AlivePublish
import ArgumentParser
import Foundation

/// `alived stream configure|end`: broadcasts op 2 / op 1 (Avalon: type 25; it has no
/// end) for the configured link, waits until it is on-chain, and prints the
/// transaction id.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Configure or end the stream on the ledger.",
        subcommands: [Configure.self, End.self]
    )

    struct Configure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "configure",
            abstract: "Broadcast the stream's configuration (op 2; Avalon: type 25) and print the transaction id."
        )

        @OptionGroup var options: PublishingOptions

        @Option(help: "Seconds to wait for the transaction to be on-chain.")
        var timeout: Int = 120

        func run() async throws {
            try await StreamCommand.control(options, timeout: timeout, verb: "configured") { tools, timeout in
                try await tools.configureStream(timeout: timeout)
            }
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "end",
            abstract: "Broadcast the end of the stream (op 1) and print the transaction id."
        )

        @OptionGroup var options: PublishingOptions

        @Option(help: "Seconds to wait for the transaction to be on-chain.")
        var timeout: Int = 120

        func run() async throws {
            try await StreamCommand.control(options, timeout: timeout, verb: "ended") { tools, timeout in
                try await tools.endStream(timeout: timeout)
            }
        }
    }

    static func control(
        _ options: PublishingOptions, timeout: Int, verb: String,
        _ body: (PublishingTools, Duration) async throws -> StreamControlResult
    ) async throws {
        guard (1...3600).contains(timeout) else { throw ValidationError("--timeout must be 1-3600 seconds") }
        let session = try options.tools()
        defer { session.close() }
        do {
            let result = try await body(session.tools, .seconds(timeout))
            let configuration = session.configuration
            print("stream \(configuration.streamer)/\(configuration.link) \(verb) on \(result.network)")
            print("transaction \(result.transactionID)" + (result.block.map { " in block \($0)" } ?? ""))
        } catch let error as PublishError {
            session.close()
            fail(error)
        }
    }
}

import AliveControl
import AliveMedia
import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the box. Without --config it uses the embedded default (RTMP 1935, HTTP 8080, data in ./data)."
    )

    @Option(help: "Configuration file (TOML). Flags below override it.")
    var config: String?

    @Option(help: "Folder for the box's data (stream key, later the journal).")
    var dataDir: String?

    @Option(help: "RTMP port (0 picks a free port).")
    var rtmpPort: Int?

    @Option(help: "HTTP port (0 picks a free port).")
    var httpPort: Int?

    @Option(help: "Stream key publishers must use. Prefer the config file: a flag shows in `ps`.")
    var streamKey: String?

    @Option(help: "Target segment duration in seconds (1-10).")
    var segmentSeconds: Int?

    @Option(help: "Ring buffer budget in MiB.")
    var ringMib: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let configuration: BoxConfiguration
        do {
            configuration = try loadConfiguration()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("alived: \(error)\n".utf8))
            throw ExitCode(78)   // EX_CONFIG
        }
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "alived")
        if let streamKey, !SecretsStore.isValidStreamKey(streamKey) {
            FileHandle.standardError.write(Data("alived: --stream-key must be 8-128 characters of letters, digits, '-', '_' or '.'\n".utf8))
            throw ExitCode(78)
        }
        let box = try Box(configuration: configuration, streamKeyOverride: streamKey, logger: logger)
        try await box.run()
    }

    func loadConfiguration() throws -> BoxConfiguration {
        var configuration = BoxConfiguration.default
        if let config {
            let text: String
            do {
                text = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "cannot read \(config): \(error.localizedDescription)")])
            }
            configuration = try BoxConfiguration.parse(toml: text)
        }
        if let dataDir { configuration.dataDirectory = dataDir }
        if let rtmpPort { configuration.ingest.rtmpPort = rtmpPort }
        if let httpPort { configuration.http.port = httpPort }
        if let segmentSeconds { configuration.segments.seconds = segmentSeconds }
        if let ringMib { configuration.ring.budgetMiB = ringMib }
        let problems = configuration.validate()
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return configuration
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

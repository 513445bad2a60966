import AliveControl
import AliveMedia
import AlivePublish
import AliveStorage
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
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
        let path: String
        do {
            (configuration, path) = try loadConfiguration()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("alived: \(error)\n".utf8))
            throw ExitCode(78)   // EX_CONFIG
        }
        let level = logLevel
        let logs = RecentLogBuffer()
        LoggingSystem.bootstrap { label in
            var stderr = StreamLogHandler.standardError(label: label)
            stderr.logLevel = level
            var recent = logs.handler(label: label)
            recent.logLevel = level
            return MultiplexLogHandler([stderr, recent])
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        AliveMedia.registerMetrics()
        StorageStage.registerMetrics()
        Publisher.registerMetrics()
        let logger = Logger(label: "alived")
        logger.info("malloc settings", metadata: ["malloc.applied": "\(MallocTuning.applied.isEmpty ? "as the environment set it" : MallocTuning.applied.joined(separator: " "))"])
        if let streamKey, !SecretsStore.isValidStreamKey(streamKey) {
            FileHandle.standardError.write(Data("alived: --stream-key must be 8-128 characters of letters, digits, '-', '_' or '.'\n".utf8))
            throw ExitCode(78)
        }
        let store = ConfigurationStore(path: path, initial: configuration, runtimeSettings: Box.runtimeSettings(for: configuration)) {
            $0.publishingProblems()
        }
        let box = try Box(store: store, streamKeyOverride: streamKey, logs: logs, metrics: registry, logger: logger)
        do {
            try await box.run()
        } catch let error as PublishError {
            fail(error)   // the [publishing] table or its secrets: exit 78, as for the rest of the config
        }
    }

    /// The configuration and the file changes are saved to: `--config FILE`, else
    /// `<data dir>/alived.toml` (read at start when it exists).
    func loadConfiguration() throws -> (BoxConfiguration, String) {
        var configuration = BoxConfiguration.default
        let dataDirectory = dataDir ?? configuration.dataDirectory
        let config = self.config ?? {
            let saved = (dataDirectory as NSString).appendingPathComponent("alived.toml")
            return FileManager.default.fileExists(atPath: saved) ? saved : nil
        }()
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
        let problems = configuration.validate() + configuration.publishingProblems()
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return (configuration, config ?? (configuration.dataDirectory as NSString).appendingPathComponent("alived.toml"))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

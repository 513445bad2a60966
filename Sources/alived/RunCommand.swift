import AliveBox
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
        let start: StartConfiguration
        let path: String
        do {
            (start, path) = try loadConfiguration()
        } catch let error as ConfigurationError {
            // Only the command line gets here (a refused file falls back): the person who
            // typed it is there to read this.
            FileHandle.standardError.write(Data("alived: \(error)\n".utf8))
            throw ExitCode(78)   // EX_CONFIG
        }
        let configuration = start.configuration
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
        logStart(of: start, path: path, to: logger)
        logger.info("malloc settings", metadata: ["malloc.applied": "\(MallocTuning.applied.isEmpty ? "as the environment set it" : MallocTuning.applied.joined(separator: " "))"])
        if let streamKey, !SecretsStore.isValidStreamKey(streamKey) {
            FileHandle.standardError.write(Data("alived: --stream-key must be 8-128 characters of letters, digits, '-', '_' or '.'\n".utf8))
            throw ExitCode(78)
        }
        let store = ConfigurationStore(path: path, initial: configuration, origin: start.origin,
                                       runtimeSettings: Box.liveSettings(for: configuration)) {
            $0.publishingProblems()
        }
        let box = try Box(store: store, streamKeyOverride: streamKey, logs: logs, metrics: registry, logger: logger,
                          notices: FirstBoot.refusalNotice(dataDirectory: configuration.dataDirectory).map { [$0] } ?? [],
                          notifier: try SystemdNotifier.fromEnvironment(), gracefulShutdownSignals: [.sigterm, .sigint])
        // Issue 16: what loading touched and streaming does not use goes back once the box is up.
        let camera = configuration.ingest.source == .camera
        LoadedPageTrim.schedule(whenUp: { box.ports.http != nil && (camera || box.ports.rtmp != nil) }, logger: logger)
        do {
            try await box.run()
        } catch let error as PublishError {
            fail(error)   // the [publishing] table or its secrets: exit 78, as for the rest of the config
        }
    }

    /// The configuration and the file changes are saved to: `--config FILE`, else
    /// `<data dir>/alived.toml` (read at start when it exists). A file that is refused runs
    /// the last good copy or the embedded default instead (`ConfigurationFile.loadAtStart`);
    /// only flags that break a rule throw.
    func loadConfiguration() throws -> (StartConfiguration, String) {
        let dataDirectory = dataDir ?? BoxConfiguration.default.dataDirectory
        let config = self.config ?? {
            let saved = (dataDirectory as NSString).appendingPathComponent("alived.toml")
            return FileManager.default.fileExists(atPath: saved) ? saved : nil
        }()
        var start = config.map { ConfigurationFile(path: $0).loadAtStart { $0.publishingProblems() } }
            ?? StartConfiguration(configuration: .default, origin: .embeddedDefault)
        if let dataDir { start.configuration.dataDirectory = dataDir }
        if let rtmpPort { start.configuration.ingest.rtmpPort = rtmpPort }
        if let httpPort { start.configuration.http.port = httpPort }
        if let segmentSeconds { start.configuration.segments.seconds = segmentSeconds }
        if let ringMib { start.configuration.ring.budgetMiB = ringMib }
        let problems = start.configuration.validate() + start.configuration.publishingProblems()
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return (start, config ?? (start.configuration.dataDirectory as NSString).appendingPathComponent("alived.toml"))
    }

    /// A refused file is an error in the log (as in status and on the page): what was wrong,
    /// where its bytes were kept and what runs instead.
    private func logStart(of start: StartConfiguration, path: String, to logger: Logger) {
        if !start.origin.problems.isEmpty {
            let runningOn = start.origin.source == .lastGood ? "the last good copy \(ConfigurationFile(path: path).lastGoodPath)" : "the embedded default"
            logger.error("configuration file refused at start: running on \(runningOn)", metadata: [
                "config.file": "\(path)",
                "config.problems": "\(start.origin.problems.map(\.description).joined(separator: "; "))",
                "config.rejected_file": "\(start.origin.rejectedFile ?? "not kept")",
                "config.source": "\(start.origin.source.rawValue)",
            ])
        }
        for note in start.notes { logger.warning("\(note)", metadata: ["config.file": "\(path)"]) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

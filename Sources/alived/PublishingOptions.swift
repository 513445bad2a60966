import AliveLedger
import AlivePublish
import AliveStorage
import ArgumentParser
import Foundation
import Logging

/// `--config FILE` (its `[publishing]` table, see docs/publishing.md) and the secrets
/// file (`--secrets FILE`, else the config's `secrets_file`), shared by `alived keys`
/// and `alived stream`. Keys are never taken from the command line.
struct PublishingOptions: ParsableArguments {
    @Option(help: "Configuration file (TOML) with a [publishing] table.")
    var config: String

    @Option(help: "Secrets file (TOML, mode 0600) with posting_key / avalon_key / alivedb_key. Default: publishing.secrets_file.")
    var secrets: String?

    @Option(help: "The stream's link (default: the first link publishing.link makes; `alived run` opens one link per event, status lists them).")
    var link: String?

    @Option(help: "Log level for node fail-over and retries (stderr).")
    var logLevel: Logger.Level = .warning

    /// The configuration, the keys and what talks to the network, or an exit with the
    /// problem on stderr (78 for a configuration or secrets problem, as `alived run`).
    func tools() throws -> PublishingToolsSession {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            let text: String
            do {
                text = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw PublishError(.configuration, "cannot read \(config): \(error.localizedDescription)")
            }
            let parsed = try PublishingConfiguration.parse(toml: text)
            let template = try parsed.linkTemplate
            let streamLink: String
            if let link {
                let given = try? StreamLinkTemplate(link, minimumLength: parsed.network == .avalon ? 3 : 1)
                guard let given, !given.hasPlaceholders else {
                    throw PublishError(.configuration, "--link: must be a stream link (1–50 characters of A–Z, a–z, 0–9, _ and -)")
                }
                streamLink = link
            } else {
                streamLink = template.link(number: 1, at: Int64(Date().timeIntervalSince1970 * 1000))
            }
            let configuration = parsed.forStream(link: streamLink)
            guard let secretsPath = secrets ?? configuration.secretsFile else {
                throw PublishError(.secrets, "no secrets file: pass --secrets FILE or set publishing.secrets_file")
            }
            let keys = try PublishingSecrets.load(path: secretsPath)
            return try PublishingToolsSession(configuration: configuration, secrets: keys)
        } catch let error as PublishError {
            fail(error)
        }
    }
}

/// A `PublishingTools` with the HTTP client and secp256k1 context it uses, closed together.
final class PublishingToolsSession {
    let configuration: PublishingConfiguration
    let tools: PublishingTools
    private let http: HTTPClient
    private let context: Secp256k1Context

    init(configuration: PublishingConfiguration, secrets: PublishingSecrets) throws {
        self.configuration = configuration
        http = try HTTPClient()
        context = try Secp256k1Context()
        do {
            tools = try PublishingTools(configuration: configuration, secrets: secrets, http: http, context: context,
                                        logger: Logger(label: "alived.publish"))
        } catch {
            http.shutdown()
            context.close()
            throw error
        }
    }

    func close() {
        http.shutdown()
        context.close()
    }
}

/// Prints the problem and exits: 78 (EX_CONFIG) for configuration and secrets, 69
/// (EX_UNAVAILABLE) when no node answered, 1 otherwise.
func fail(_ error: PublishError) -> Never {
    FileHandle.standardError.write(Data("alived: \(error)\n".utf8))
    switch error.kind {
    case .configuration, .secrets: exit(78)
    case .unreachable, .timedOut: exit(69)
    default: exit(1)
    }
}

import AlivePublish
import ArgumentParser
import Foundation

/// `alived keys check`: derives the public key of the configured key, checks it
/// against the account on the node, prints both, and signs in to AliveDB when one is
/// configured. Exit 0 when everything matches, 1 when not.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Check the publishing keys against the ledger account.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Derive the public key from the configured key and check it against the account on the node."
        )

        @OptionGroup var options: PublishingOptions

        func run() async throws {
            let session = try options.tools()
            defer { session.close() }
            let result: PublishingTools.KeyCheck
            do {
                result = try await session.tools.checkKeys()
            } catch let error as PublishError {
                session.close()
                fail(error)
            }
            if let ledger = result.ledger {
                print("\(ledger.network) account \(ledger.account)")
                print("  derived public key: \(ledger.derivedPublicKey)")
                print("  account keys:       \(ledger.accountPublicKeys.isEmpty ? "(none)" : ledger.accountPublicKeys.joined(separator: ", "))")
                if let problem = ledger.problem {
                    print("  FAIL: \(problem)")
                } else {
                    print("  OK: the configured key is one of \(ledger.account)'s \(ledger.network == "hive" ? "posting " : "")keys")
                }
            } else {
                print("no ledger (publishing.network = \"none\")")
            }
            if let aliveDB = result.aliveDB {
                let user = aliveDB.user.map { "user \($0.alias ?? "?") (\($0.publicKey ?? "no public key"))" } ?? "user unknown"
                print("alivedb \(user)")
                print(aliveDB.problem.map { "  FAIL: \($0)" } ?? "  OK: signed in")
            }
            if !result.isValid { throw ExitCode(1) }
        }
    }
}

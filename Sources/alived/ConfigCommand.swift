import AliveBox
import AliveControl
import ArgumentParser
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with configuration files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file; prints every problem with its field path, exit 78 if any.")

        @Argument(help: "The TOML file to check.")
        var file: String

        func run() throws {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                FileHandle.standardError.write(Data("alived: cannot read \(file): \(error.localizedDescription)\n".utf8))
                throw ExitCode(66)   // EX_NOINPUT
            }
            do {
                let configuration = try BoxConfiguration.parse(toml: text)
                let problems = configuration.publishingProblems()
                if !problems.isEmpty { throw ConfigurationError(problems: problems) }
                print("\(file): ok")
            } catch let error as ConfigurationError {
                for problem in error.problems { print("\(file): \(problem.path): \(problem.reason)") }
                throw ExitCode(78)   // EX_CONFIG
            } catch {
                print("\(file): \(error)")
                throw ExitCode(78)
            }
        }
    }
}

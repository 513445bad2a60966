import AliveMedia
import ArgumentParser
import Foundation

@main
struct Alived: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alived",
        abstract: "The capture box: RTMP in, HLS segments in a fixed ring, Alive Protocol out.",
        version: AliveMedia.version,
        subcommands: [RunCommand.self, ConfigCommand.self, PasswdCommand.self, CIDCommand.self, KeysCommand.self, StreamCommand.self,
                      FirstBootCommand.self, VersionCommand.self],
        defaultSubcommand: nil
    )

    /// ArgumentParser's own `main`, after the box's malloc settings: they come before any
    /// other thread has allocated, since glibc gives a thread its arena at its first
    /// allocation and the setting only limits the arenas made after it.
    static func main() async {
        _ = MallocTuning.applied
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("alived \(AliveMedia.version)")
    }
}

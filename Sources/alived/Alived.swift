import AliveMedia
import ArgumentParser

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
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("alived \(AliveMedia.version)")
    }
}

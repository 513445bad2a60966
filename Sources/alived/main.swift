import AliveMedia
import ArgumentParser

// Temporary root command so `alived cid` can be run on the storage branch; the lead's
// main.swift replaces this file and adds CIDCommand to its own subcommands.
struct Alived: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alived", subcommands: [CIDCommand.self])
    func run() { print("alived \(AliveMedia.version)") }
}
Alived.main()

import ArgumentParser
import Foundation
import Logging

/// `alived firstboot`: run once by `alived-firstboot.service` (as root) when the boot
/// partition holds a settings file. See `FirstBoot`.
struct FirstBootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firstboot",
        abstract: "Apply the first-boot settings file (boot partition) to this box, then erase it."
    )

    @Option(help: "The technician's settings file (TOML).")
    var settings = "/boot/firmware/alived-firstboot.toml"

    @Option(help: "The box's configuration file to update.")
    var config = "/etc/alived/alived.toml"

    @Option(help: "Where problems with the settings file are written for the status page.")
    var problems = "/var/lib/alived/firstboot-problems.txt"

    @Option(help: "The user the box runs as: owner of the secret files.")
    var user = "alived"

    func run() throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "alived.firstboot")
        guard let account = getpwnam(user) else {
            logger.error("no such user", metadata: ["user": "\(user)"])
            throw ExitCode(67)   // EX_NOUSER
        }
        let firstBoot = FirstBoot(
            paths: .init(settings: settings, configuration: config, problems: problems),
            owner: (account.pointee.pw_uid, account.pointee.pw_gid),
            setSystemHostname: { name in
                guard sethostname(name, name.utf8.count) == 0 else {
                    throw CocoaError(.featureUnsupported, userInfo: [NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)])
                }
            },
            logger: logger)
        // A refused file is not a failed boot: the box runs with its previous configuration
        // and shows the problems; only a failure to write is an error of this unit.
        if case .noSettings = try firstBoot.run() {
            logger.info("no first-boot settings file", metadata: ["settings.file": "\(settings)"])
        }
    }
}

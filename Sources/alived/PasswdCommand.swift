import AliveControl
import ArgumentParser
import Foundation

/// Resets the status page's password from a shell on the box (a forgotten password must
/// not need a re-flash). Reads the new password twice from the terminal, or once from
/// standard input when it is not a terminal (scripts).
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Set a new password for the status page (ends every logged-in session at the next login check).")

    @Option(help: "The box's data folder (where secrets.toml lives).")
    var dataDir: String = BoxConfiguration.default.dataDirectory

    func run() throws {
        let password: String
        if isatty(STDIN_FILENO) != 0 {
            guard let first = Self.readHidden("New page password: "), let second = Self.readHidden("Again: ") else { throw ExitCode.failure }
            guard first == second else {
                FileHandle.standardError.write(Data("alived: the passwords differ; nothing changed\n".utf8))
                throw ExitCode.failure
            }
            password = first
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard password.count >= PasswordHash.minimumLength else {
            FileHandle.standardError.write(Data("alived: the password must be at least \(PasswordHash.minimumLength) characters; nothing changed\n".utf8))
            throw ExitCode(65)   // EX_DATAERR
        }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let secrets = try SecretsStore(directory: dataDir)
        let hash = try PasswordHash.make(password)
        try secrets.update { $0.pagePasswordHash = hash }
        print("page password set in \(secrets.path)")
    }

    private static func readHidden(_ prompt: String) -> String? {
        guard let pointer = getpass(prompt) else { return nil }
        return String(cString: pointer)
    }
}

import AliveStorage
import ArgumentParser

/// `alived cid [--cid-version 0|1] FILE…`: prints the IPFS CID of each file, one per
/// line, exactly as `ipfs add -n -Q` (with the same `--cid-version`) would, without a
/// node. Installers use it to check a recording against what the box published.
struct CIDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cid",
        abstract: "Print the IPFS CID of each file, like `ipfs add -n -Q`."
    )

    @Option(name: .customLong("cid-version"), help: "CID version: 0 (Qm…, Kubo's default) or 1 (bafy…/bafk…, raw leaves).")
    var cidVersion: Int = 0

    @Argument(help: "Files to hash.")
    var files: [String]

    func validate() throws {
        guard CIDVersion(rawValue: cidVersion) != nil else {
            throw ValidationError("--cid-version must be 0 or 1")
        }
        guard !files.isEmpty else { throw ValidationError("at least one FILE is needed") }
    }

    func run() throws {
        let hasher = UnixFSFileHasher(version: CIDVersion(rawValue: cidVersion) ?? .v0)
        for path in files {
            let file: MappedFile
            do {
                file = try MappedFile(path: path)
            } catch let error as StorageError {
                throw ValidationError(error.message)
            }
            print(hasher.cid(of: file))
            file.close()
        }
    }
}

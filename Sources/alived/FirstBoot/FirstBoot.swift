import AliveBox
import AliveControl
import AliveLedger
import Foundation
import Logging
import TOMLKit

/// Applies the first-boot settings file once: validated as a whole, then the configuration
/// keys go into the box's configuration file, secrets into 0600 files in the data
/// directory, the host name into `/etc/hostname`; finally the plain-text file is
/// overwritten and deleted. A file with any problem changes nothing: the box starts with
/// the configuration it had, the problems are logged and written to `paths.problems`
/// (keys and reasons, never values), and the file is erased all the same — it may hold
/// secrets, and the technician has to write a corrected one anyway.
///
/// Order for power cuts: everything is written (atomically, file by file) before the
/// settings file is erased, so an interrupted first boot simply applies it again.
struct FirstBoot {
    struct Paths {
        var settings: String
        var configuration: String
        var problems: String
        var hostname = "/etc/hostname"
        var hosts = "/etc/hosts"
    }

    enum Outcome: Equatable {
        case noSettings
        /// The keys that were applied (names only).
        case applied([String])
        case refused(ConfigurationError)

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            switch (lhs, rhs) {
            case (.noSettings, .noSettings): true
            case (.applied(let a), .applied(let b)): a == b
            case (.refused(let a), .refused(let b)): a.problems == b.problems
            default: false
            }
        }
    }

    let paths: Paths
    /// Owner of the files the box reads (the `alived` user); nil leaves them to the caller.
    let owner: (uid: uid_t, gid: gid_t)?
    /// Renames the running system (`sethostname(2)`); a parameter so tests keep their host's name.
    let setSystemHostname: (String) throws -> Void
    let logger: Logger

    func run() throws -> Outcome {
        guard FileManager.default.fileExists(atPath: paths.settings) else { return .noSettings }
        let outcome: Outcome
        do {
            let text: String
            do {
                text = try String(contentsOfFile: paths.settings, encoding: .utf8)
            } catch {
                throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "cannot be read as UTF-8 text")])
            }
            let (settings, problems) = try FirstBootSettings.parse(toml: text)
            let merged: Merged
            do {
                merged = try merge(settings)
            } catch {
                // Range problems of the well-typed keys too: every problem at once.
                throw ConfigurationError(problems: problems + error.problems)
            }
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
            try apply(settings, merged: merged)
            try? FileManager.default.removeItem(atPath: paths.problems)
            let keys = FirstBootSettings.fields.keys.filter { key in
                switch FirstBootSettings.fields[key]! {
                case .hostname: settings.hostname != nil
                case .configuration: settings.configuration[key] != nil
                case .secret(let secret): settings.secrets[secret] != nil
                }
            }.sorted()
            logger.notice("first-boot settings applied", metadata: ["settings.file": "\(paths.settings)", "settings.keys": "\(keys.joined(separator: ","))"])
            outcome = .applied(keys)
        } catch let error as ConfigurationError {
            for problem in error.problems {
                logger.error("first-boot settings refused", metadata: ["settings.file": "\(paths.settings)", "problem": "\(problem)"])
            }
            try writeProblems(error)
            outcome = .refused(error)
        }
        try erase(paths.settings)
        return outcome
    }

    struct Merged {
        /// The new configuration file.
        var text: String
        var configuration: BoxConfiguration
    }

    /// The configuration file with the settings applied, validated as the box will read it.
    func merge(_ settings: FirstBootSettings) throws(ConfigurationError) -> Merged {
        let current = (try? String(contentsOfFile: paths.configuration, encoding: .utf8)) ?? ""
        let table: TOMLTable
        do {
            table = try TOMLTable(string: current)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "(configuration file)", reason: "\(paths.configuration) is not valid TOML")])
        }
        for (path, value) in settings.configuration.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .string(let string): Self.set(string, at: path, in: table)
            case .integer(let int): Self.set(int, at: path, in: table)
            case .strings(let strings): Self.set(TOMLArray(strings), at: path, in: table)
            }
        }
        let text = """
            # Written by `alived firstboot` from the boot partition's settings file.
            # Every key and its default: /usr/share/doc/alived/alived.toml

            \(table.convert())
            """
        var keyProblems: [ConfigurationProblem] = []
        if let key = settings.secrets[.streamKey], !SecretsStore.isValidStreamKey(key) {
            // The same rule the API applies to a new key.
            keyProblems = [ConfigurationProblem(path: "ingest.stream_key", reason: "must be 8-128 characters of letters, digits, '-', '_' or '.'")]
        }
        if let password = settings.secrets[.pagePassword], password.count < PasswordHash.minimumLength {
            keyProblems.append(ConfigurationProblem(path: "http.page_password", reason: "must be at least \(PasswordHash.minimumLength) characters"))
        }
        if let key = settings.secrets[.postingKey], (try? PrivateKey(hiveWIF: key)) == nil {
            keyProblems.append(ConfigurationProblem(path: "publishing.posting_key", reason: "is not a Hive private key (WIF, 5…)"))
        }
        var problems = keyProblems
        var configuration = BoxConfiguration()
        do {
            configuration = try BoxConfiguration.parse(toml: text)
            problems = configuration.publishingProblems() + problems
        } catch let error as ConfigurationError {
            problems = error.problems + problems
        } catch {
            problems.append(ConfigurationProblem(path: "(configuration file)", reason: "\(error)"))
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return Merged(text: text, configuration: configuration)
    }

    private func apply(_ settings: FirstBootSettings, merged: Merged) throws {
        let dataDirectory = merged.configuration.dataDirectory
        if !settings.secrets.isEmpty {
            try makeDirectory(dataDirectory)
        }
        if !settings.secrets.isEmpty {
            // Into the box's secrets file (mode 0600), owned by the service's user.
            let secrets = try SecretsStore(directory: dataDirectory)
            try secrets.update { stored in
                for (secret, value) in settings.secrets {
                    switch secret {
                    case .streamKey: stored.streamKey = value
                    case .pagePassword: stored.pagePasswordHash = try PasswordHash.make(value)
                    case .postingKey: stored.others["posting_key"] = value
                    }
                }
            }
            if let owner, chown(secrets.path, owner.uid, owner.gid) != 0 {
                throw ConfigurationError(problems: [ConfigurationProblem(path: "(secrets file)", reason: "cannot give \(secrets.path) to the service user")])
            }
        }
        if !settings.configuration.isEmpty || settings.secrets[.streamKey] != nil {
            try AtomicFile.write(merged.text, to: paths.configuration, mode: 0o644)
        }
        if let hostname = settings.hostname {
            try AtomicFile.write(hostname + "\n", to: paths.hostname, mode: 0o644)
            let hosts = (try? String(contentsOfFile: paths.hosts, encoding: .utf8)) ?? "127.0.0.1\tlocalhost\n"
            try AtomicFile.write(Self.hosts(hosts, naming: hostname), to: paths.hosts, mode: 0o644)
            try setSystemHostname(hostname)
        }
    }

    /// `/etc/hosts` with the Debian convention `127.0.1.1 <hostname>` line set to `name`.
    static func hosts(_ text: String, naming name: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let entry = "127.0.1.1\t\(name)"
        if let index = lines.firstIndex(where: { $0.hasPrefix("127.0.1.1") }) {
            lines[index] = entry
        } else {
            let afterLocalhost = lines.firstIndex(where: { $0.hasPrefix("127.0.0.1") }).map { $0 + 1 } ?? 0
            lines.insert(entry, at: afterLocalhost)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The problems file's name in the data directory (`alived firstboot --problems`' default
    /// is the packaged box's `/var/lib/alived/firstboot-problems.txt`).
    static let problemsFileName = "firstboot-problems.txt"

    /// One status warning from the problems a refused settings file left in
    /// `<data dir>/firstboot-problems.txt` (keys and reasons, never values); nil when none.
    static func refusalNotice(dataDirectory: String) -> String? {
        guard let text = try? String(contentsOfFile: (dataDirectory as NSString).appendingPathComponent(problemsFileName), encoding: .utf8)
        else { return nil }
        let problems = text.split(separator: "\n").filter { $0.hasPrefix("- ") }.map { $0.dropFirst(2) }
        guard !problems.isEmpty else { return nil }
        return "first-boot settings were not applied: " + problems.joined(separator: "; ")
    }

    private func writeProblems(_ error: ConfigurationError) throws {
        let text = "The first-boot settings file \(paths.settings) was not applied; the box runs with its previous configuration.\n"
            + error.problems.map { "- \($0)\n" }.joined()
        try makeDirectory((paths.problems as NSString).deletingLastPathComponent)
        try AtomicFile.write(text, to: paths.problems, mode: 0o600, owner: owner)
    }

    /// Overwrites the file's bytes with zeros before deleting it, so the plain-text
    /// secrets do not stay in the freed clusters of the FAT partition.
    private func erase(_ path: String) throws {
        let descriptor = open(path, O_WRONLY)
        if descriptor >= 0 {
            var status = stat()
            if fstat(descriptor, &status) == 0, status.st_size > 0 {
                let zeros = [UInt8](repeating: 0, count: Int(status.st_size))
                _ = zeros.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                fsync(descriptor)
            }
            close(descriptor)
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        AtomicFile.syncDirectory(of: path)
    }

    /// Creates a missing directory (0700, the box's user); an existing one is left as it is
    /// (tmpfiles.d made the state directory; a configured path is not ours to re-own).
    private func makeDirectory(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Sets `path` (`ingest.rtmp_port`) in `table`, creating the sub-tables it needs.
    static func set(_ value: TOMLValueConvertible, at path: String, in table: TOMLTable) {
        var keys = path.split(separator: ".").map(String.init)
        let last = keys.removeLast()
        var current = table
        for key in keys {
            if current[key]?.table == nil { current[key] = TOMLTable() }
            current = current[key]!.table!
        }
        current[last] = value
    }
}

import AliveControl
import TOMLKit

/// The technician's settings file on the boot partition (`alived-firstboot.toml`), read
/// once at first boot. Same key names as the box's configuration where they overlap:
///
///     hostname = "alive-box-1"
///     [ingest]
///     stream_key = "…"        # a secret: goes to <data dir>/secrets.toml (0600), never to the config
///     rtmp_port = 1935
///     [http]
///     port = 8080
///     page_password = "…"     # a secret: stored as a salted scrypt hash in secrets.toml
///     [storage]
///     backend = "kubo"
///     endpoints = ["http://192.168.1.20:5001"]
///     [publishing]
///     network = "hive"
///     streamer = "alice"
///     link = "venue-1"
///     posting_key = "5…"      # a secret: goes to secrets.toml, where publishing reads it
///     [publishing.hive]
///     api_nodes = ["https://api.hive.blog"]
///
/// Every key must be one of `FirstBootSettings.fields`; anything else is a problem, like
/// a typo in the configuration file.
struct FirstBootSettings: Equatable {
    /// What a key of the settings file becomes on the box.
    enum Destination: Equatable {
        /// The box's name on the network (`/etc/hostname`).
        case hostname
        /// The same dotted key in the box's configuration file.
        case configuration(ValueType)
        /// A secret: written to its own 0600 file in the data directory, never to the
        /// configuration file and never logged.
        case secret(Secret)
    }

    enum ValueType: Equatable {
        case string
        case integer
        case strings
    }

    enum Secret: String, Equatable, CaseIterable {
        /// Stored in `<data dir>/secrets.toml` (mode 0600), where the box reads its stream key.
        case streamKey = "stream-key"
        /// Stored as a salted scrypt hash in `secrets.toml`, as the page's first start does.
        case pagePassword = "page-password"
        /// The Hive posting key (WIF), as `posting_key` in `secrets.toml`, where `alived run`
        /// reads it unless `publishing.secrets_file` names another file.
        case postingKey = "posting-key"
    }

    enum Value: Equatable {
        case string(String)
        case integer(Int)
        case strings([String])
    }

    /// Every key the settings file may hold.
    static let fields: [String: Destination] = [
        "hostname": .hostname,
        "ingest.stream_key": .secret(.streamKey),
        "ingest.listen": .configuration(.string),
        "ingest.rtmp_port": .configuration(.integer),
        "ingest.app": .configuration(.string),
        "http.listen": .configuration(.string),
        "http.port": .configuration(.integer),
        "segments.seconds": .configuration(.integer),
        "ring.budget_mib": .configuration(.integer),
        "http.page_password": .secret(.pagePassword),
        "storage.backend": .configuration(.string),
        "storage.endpoints": .configuration(.strings),
        "publishing.network": .configuration(.string),
        "publishing.streamer": .configuration(.string),
        "publishing.link": .configuration(.string),
        "publishing.posting_key": .secret(.postingKey),
        "publishing.hive.api_nodes": .configuration(.strings),
        "publishing.alivedb.url": .configuration(.string),
    ]

    var hostname: String?
    /// Configuration keys to set, by dotted path.
    var configuration: [String: Value] = [:]
    var secrets: [Secret: String] = [:]

    /// Reads the file: the settings of the right type, and a problem (key and reason, never
    /// the value) for every other key. Throws only when the file is not TOML at all.
    static func parse(toml text: String) throws(ConfigurationError) -> (settings: FirstBootSettings, problems: [ConfigurationProblem]) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "not valid TOML (line \(error.source.begin.line))")])
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "not valid TOML")])
        }
        var settings = FirstBootSettings()
        var problems: [ConfigurationProblem] = []
        for (path, value) in leaves(of: table, prefix: "") {
            guard let destination = fields[path] else {
                problems.append(ConfigurationProblem(path: path, reason: "unknown setting"))
                continue
            }
            switch destination {
            case .hostname:
                guard let name = value.string else {
                    problems.append(ConfigurationProblem(path: path, reason: "must be a string"))
                    continue
                }
                if let reason = Hostname.problem(name) {
                    problems.append(ConfigurationProblem(path: path, reason: reason))
                } else {
                    settings.hostname = name
                }
            case .configuration(.string):
                if let string = value.string { settings.configuration[path] = .string(string) }
                else { problems.append(ConfigurationProblem(path: path, reason: "must be a string")) }
            case .configuration(.integer):
                if let int = value.int { settings.configuration[path] = .integer(int) }
                else { problems.append(ConfigurationProblem(path: path, reason: "must be an integer")) }
            case .configuration(.strings):
                if let array = value.array, case let strings = array.compactMap(\.string), strings.count == array.count {
                    settings.configuration[path] = .strings(strings)
                } else {
                    problems.append(ConfigurationProblem(path: path, reason: "must be a list of strings"))
                }
            case .secret(let secret):
                if let string = value.string { settings.secrets[secret] = string }
                else { problems.append(ConfigurationProblem(path: path, reason: "must be a string")) }
            }
        }
        return (settings, problems)
    }

    /// Dotted paths of every non-table value (`[ingest] rtmp_port` → `ingest.rtmp_port`).
    private static func leaves(of table: TOMLTable, prefix: String) -> [(String, TOMLValueConvertible)] {
        table.keys.sorted().flatMap { key -> [(String, TOMLValueConvertible)] in
            guard let value = table[key] else { return [] }
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let inner = value.table { return leaves(of: inner, prefix: path) }
            return [(path, value)]
        }
    }
}

/// The box's host name: one DNS label, so it works for DHCP, mDNS and `/etc/hosts` alike.
enum Hostname {
    static func problem(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
        }
        guard (1...63).contains(name.utf8.count), allowed, !name.hasPrefix("-"), !name.hasSuffix("-") else {
            return "must be 1-63 letters, digits or '-', not starting or ending with '-'"
        }
        return nil
    }
}

import AliveLedger
import TOMLKit

extension PublishingConfiguration {
    /// Reads the `[publishing]` table of a config file (other tables belong to the rest
    /// of the box and are left alone). Unknown keys, wrong types and out-of-range values
    /// are all reported at once, each with its dotted path; the result is validated.
    /// The keys are listed in docs/publishing.md.
    public static func parse(toml text: String) throws -> PublishingConfiguration {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw PublishError(.configuration, "config file, line \(error.source.begin.line): \(error.description)")
        }
        guard let value = root["publishing"] else {
            throw PublishError(.configuration, "the config file has no [publishing] table (see docs/publishing.md)")
        }
        guard let table = value.table else {
            throw PublishError(.configuration, "publishing: must be a table")
        }
        return try parse(table: table)
    }

    /// Reads a `[publishing]` table already parsed (the box holds its configuration as a
    /// tree, not as text): the same keys, checks and dotted paths as `parse(toml:)`.
    public static func parse(table: TOMLTable) throws -> PublishingConfiguration {
        var reader = TableReader(path: "publishing")
        var configuration = PublishingConfiguration()
        reader.read(table) { reader, table in
            if let text = reader.string(table, "network") {
                if let network = Network(rawValue: text) {
                    configuration.network = network
                } else {
                    reader.problem("network", "must be \"hive\", \"avalon\", \"local\" or \"none\"")
                }
            }
            reader.string(table, "streamer").map { configuration.streamer = $0 }
            reader.string(table, "link").map { configuration.link = $0 }
            reader.seconds(table, "batch_interval_seconds").map { configuration.batchInterval = $0 }
            reader.bool(table, "end_on_stop").map { configuration.endOnStop = $0 }
            reader.seconds(table, "idle_end_seconds").map { configuration.idleEnd = $0 }
            reader.string(table, "viewer_url").map { configuration.viewerURL = $0.isEmpty ? nil : $0 }
            reader.bool(table, "configure_on_start").map { configuration.configureOnStart = $0 }
            reader.string(table, "gateway").map { configuration.gateway = $0 }
            if let text = reader.string(table, "storage") {
                if let storage = AliveStorageNetwork(rawValue: text) {
                    configuration.storage = storage
                } else {
                    reader.problem("storage", "must be \"ipfs\" or \"skynet\"")
                }
            }
            reader.string(table, "indexer_url").map { configuration.indexerURL = $0.isEmpty ? nil : $0 }
            reader.string(table, "secrets_file").map { configuration.secretsFile = $0.isEmpty ? nil : $0 }
            reader.seconds(table, "request_timeout_seconds").map { configuration.requestTimeout = $0 }
            reader.seconds(table, "node_cooldown_seconds").map { configuration.nodeCooldown = $0 }
            reader.seconds(table, "confirmation_poll_seconds").map { configuration.confirmationPollInterval = $0 }
            reader.seconds(table, "rebroadcast_seconds").map { configuration.rebroadcastInterval = $0 }
            reader.seconds(table, "max_retry_delay_seconds").map { configuration.maximumRetryDelay = $0 }
            reader.seconds(table, "stop_timeout_seconds").map { configuration.stopTimeout = $0 }
            reader.subtable(table, "hive") { reader, table in
                reader.strings(table, "api_nodes").map { configuration.hive.apiNodes = $0 }
                reader.string(table, "custom_json_id").map { configuration.hive.customJSONID = $0 }
                reader.string(table, "chain_id").map { configuration.hive.chainIDHex = $0 }
                reader.string(table, "public_key_prefix").map { configuration.hive.publicKeyPrefix = $0 }
                reader.seconds(table, "transaction_expiration_seconds").map { configuration.hive.transactionExpiration = $0 }
            }
            reader.subtable(table, "avalon") { reader, table in
                reader.strings(table, "api_nodes").map { configuration.avalon.apiNodes = $0 }
            }
            reader.subtable(table, "alivedb") { reader, table in
                var aliveDB = AliveDB(url: "")
                reader.string(table, "url").map { aliveDB.url = $0 }
                reader.string(table, "user_id").map { aliveDB.userID = $0.isEmpty ? nil : $0 }
                reader.integer(table, "queue_capacity").map { aliveDB.queueCapacity = $0 }
                reader.integer(table, "attempts").map { aliveDB.attempts = $0 }
                // An empty url switches AliveDB off, so a template can carry the table.
                configuration.aliveDB = aliveDB.url.isEmpty ? nil : aliveDB
            }
        }
        var problems = reader.problems
        if problems.isEmpty { problems = configuration.validate() }
        guard problems.isEmpty else {
            throw PublishError(.configuration, "invalid publishing configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"),
                               problems: problems)
        }
        return configuration
    }
}

/// Reads typed values out of TOML tables, collecting a problem (with its dotted path)
/// for every wrong type and every key nobody asked for.
private struct TableReader {
    let path: String
    var problems: [PublishingConfigurationProblem] = []
    private var known: Set<String> = []

    init(path: String) { self.path = path }

    mutating func problem(_ key: String, _ reason: String) {
        problems.append(PublishingConfigurationProblem(path: path + "." + Self.spelled(key), reason: reason))
    }

    /// A key as a path names it: bare, or quoted as TOML writes it. A key from the API such
    /// as `x = 1\n[storage.evil]` then shows as the one key it is, on one line. The same
    /// spelling as the box's own paths (AliveControl's `TOMLString.key`, which this module
    /// does not depend on).
    private static func spelled(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        if bare { return key }
        var quoted = "\""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            case "\r": quoted += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }

    /// Runs `body`, then reports the table's keys `body` did not read.
    mutating func read(_ table: TOMLTable, _ body: (inout TableReader, TOMLTable) -> Void) {
        body(&self, table)
        for key in table.keys.sorted() where !known.contains(key) {
            problem(key, "unknown key (a typo is never ignored)")
        }
    }

    mutating func subtable(_ table: TOMLTable, _ key: String, _ body: (inout TableReader, TOMLTable) -> Void) {
        known.insert(key)
        guard let value = table[key] else { return }
        guard let inner = value.table else {
            problem(key, "must be a table")
            return
        }
        var reader = TableReader(path: path + "." + key)
        reader.read(inner, body)
        problems += reader.problems
    }

    mutating func string(_ table: TOMLTable, _ key: String) -> String? {
        known.insert(key)
        guard let value = table[key] else { return nil }
        guard let string = value.string else {
            problem(key, "must be a string")
            return nil
        }
        return string
    }

    mutating func strings(_ table: TOMLTable, _ key: String) -> [String]? {
        known.insert(key)
        guard let value = table[key] else { return nil }
        guard let array = value.array else {
            problem(key, "must be an array of strings")
            return nil
        }
        var out: [String] = []
        for element in array {
            guard let string = element.string else {
                problem(key, "must be an array of strings")
                return nil
            }
            out.append(string)
        }
        return out
    }

    mutating func bool(_ table: TOMLTable, _ key: String) -> Bool? {
        known.insert(key)
        guard let value = table[key] else { return nil }
        guard value.type == .bool, let bool = value.bool else {
            problem(key, "must be true or false")
            return nil
        }
        return bool
    }

    mutating func integer(_ table: TOMLTable, _ key: String) -> Int? {
        known.insert(key)
        guard let value = table[key] else { return nil }
        guard value.type == .int, let int = value.int else {
            problem(key, "must be an integer")
            return nil
        }
        return int
    }

    /// Seconds as an integer or a decimal number (`0.25`).
    mutating func seconds(_ table: TOMLTable, _ key: String) -> Duration? {
        known.insert(key)
        guard let value = table[key] else { return nil }
        let seconds: Double
        if value.type == .int, let int = value.int {
            seconds = Double(int)
        } else if value.type == .double, let double = value.double, double.isFinite {
            seconds = double
        } else {
            problem(key, "must be a number of seconds")
            return nil
        }
        guard seconds >= 0, seconds <= 86_400 else {
            problem(key, "must be 0–86400 seconds")
            return nil
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

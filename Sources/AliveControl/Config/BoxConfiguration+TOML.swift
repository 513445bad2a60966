import TOMLKit

extension BoxConfiguration {
    /// Reads a configuration file over the defaults: missing keys keep their default,
    /// unknown keys and wrong types are problems (a typo must not be silently ignored).
    /// Throws `ConfigurationError` listing every problem, including range checks.
    public static func parse(toml text: String) throws -> BoxConfiguration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "(file)", reason: "line \(error.source.begin.line): \(error.description)")])
        }
        var reader = TableReader()
        var configuration = BoxConfiguration()
        reader.read(table, path: "") { key, value, path, reader in
            switch key {
            case "data_dir": reader.string(value, path) { configuration.dataDirectory = $0 }
            case "ingest":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "listen": reader.string(value, path) { configuration.ingest.listen = $0 }
                    case "rtmp_port": reader.int(value, path) { configuration.ingest.rtmpPort = $0 }
                    case "app": reader.string(value, path) { configuration.ingest.app = $0 }
                    case "stream_key": reader.string(value, path) { configuration.ingest.streamKey = $0 }
                    case "handshake_timeout_seconds": reader.int(value, path) { configuration.ingest.handshakeTimeoutSeconds = $0 }
                    case "idle_timeout_seconds": reader.int(value, path) { configuration.ingest.idleTimeoutSeconds = $0 }
                    case "max_message_kib": reader.int(value, path) { configuration.ingest.maxMessageKiB = $0 }
                    case "max_chunk_size": reader.int(value, path) { configuration.ingest.maxChunkSize = $0 }
                    default: reader.unknown(path)
                    }
                }
            case "segments":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "seconds": reader.int(value, path) { configuration.segments.seconds = $0 }
                    default: reader.unknown(path)
                    }
                }
            case "ring":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "budget_mib": reader.int(value, path) { configuration.ring.budgetMiB = $0 }
                    case "playlist_window": reader.int(value, path) { configuration.ring.playlistWindow = $0 }
                    default: reader.unknown(path)
                    }
                }
            case "http":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "listen": reader.string(value, path) { configuration.http.listen = $0 }
                    case "port": reader.int(value, path) { configuration.http.port = $0 }
                    default: reader.unknown(path)
                    }
                }
            default: reader.unknown(path)
            }
        }
        let problems = reader.problems + (reader.problems.isEmpty ? configuration.validate() : [])
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        return configuration
    }
}

/// Walks TOML tables collecting problems instead of stopping at the first.
private struct TableReader {
    var problems: [ConfigurationProblem] = []

    mutating func read(_ value: TOMLValueConvertible, path: String, _ field: (String, TOMLValueConvertible, String, inout TableReader) -> Void) {
        guard let table = value.table else {
            problems.append(ConfigurationProblem(path: path.isEmpty ? "(file)" : path, reason: "must be a table ([\(path)])"))
            return
        }
        for key in table.keys.sorted() {
            guard let child = table[key] else { continue }
            field(key, child, path.isEmpty ? key : "\(path).\(key)", &self)
        }
    }

    mutating func string(_ value: TOMLValueConvertible, _ path: String, _ set: (String) -> Void) {
        if let string = value.string { set(string) } else { problems.append(ConfigurationProblem(path: path, reason: "must be a string")) }
    }

    mutating func int(_ value: TOMLValueConvertible, _ path: String, _ set: (Int) -> Void) {
        if let int = value.int { set(int) } else { problems.append(ConfigurationProblem(path: path, reason: "must be an integer")) }
    }

    mutating func unknown(_ path: String) {
        problems.append(ConfigurationProblem(path: path, reason: "unknown setting"))
    }
}

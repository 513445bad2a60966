extension BoxConfiguration {
    /// Reads a configuration tree over the defaults: missing keys keep their default,
    /// unknown keys and wrong types are problems (a typo must never be silently ignored),
    /// then every range is checked. Throws `ConfigurationError` with every problem at once.
    public init(tree: ConfigValue) throws {
        var reader = TreeReader()
        var configuration = BoxConfiguration()
        reader.read(tree, path: "") { key, value, path, reader in
            switch key {
            case "data_dir": reader.string(value, path) { configuration.dataDirectory = $0 }
            case "ingest":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "listen": reader.string(value, path) { configuration.ingest.listen = $0 }
                    case "rtmp_port": reader.int(value, path) { configuration.ingest.rtmpPort = $0 }
                    case "app": reader.string(value, path) { configuration.ingest.app = $0 }
                    case "handshake_timeout_seconds": reader.int(value, path) { configuration.ingest.handshakeTimeoutSeconds = $0 }
                    case "idle_timeout_seconds": reader.int(value, path) { configuration.ingest.idleTimeoutSeconds = $0 }
                    case "publish_timeout_seconds": reader.int(value, path) { configuration.ingest.publishTimeoutSeconds = $0 }
                    case "max_connections_per_address": reader.int(value, path) { configuration.ingest.maxConnectionsPerAddress = $0 }
                    case "max_message_kib": reader.int(value, path) { configuration.ingest.maxMessageKiB = $0 }
                    case "max_chunk_size": reader.int(value, path) { configuration.ingest.maxChunkSize = $0 }
                    case "source": reader.enumeration(value, path) { configuration.ingest.source = $0 }
                    case "stream_key": reader.problem(path, "secrets are not kept in the configuration: set the stream key through the API, the page or `alived run --stream-key`")
                    default: reader.unknown(path)
                    }
                }
            case "camera":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "input_format": reader.enumeration(value, path) { configuration.camera.inputFormat = $0 }
                    case "device": reader.string(value, path) { configuration.camera.device = $0 }
                    case "pixel_format": reader.string(value, path) { configuration.camera.pixelFormat = $0 }
                    case "width": reader.int(value, path) { configuration.camera.width = $0 }
                    case "height": reader.int(value, path) { configuration.camera.height = $0 }
                    case "frames_per_second": reader.int(value, path) { configuration.camera.framesPerSecond = $0 }
                    case "bitrate_kbps": reader.int(value, path) { configuration.camera.bitrateKbps = $0 }
                    case "keyframe_interval_frames": reader.int(value, path) { configuration.camera.keyframeIntervalFrames = $0 }
                    case "encoder": reader.enumeration(value, path) { configuration.camera.encoder = $0 }
                    case "audio_device": reader.string(value, path) { configuration.camera.audioDevice = $0 }
                    case "audio_input_format": reader.enumeration(value, path) { configuration.camera.audioInputFormat = $0 }
                    case "audio_sample_rate": reader.int(value, path) { configuration.camera.audioSampleRate = $0 }
                    case "audio_channels": reader.int(value, path) { configuration.camera.audioChannels = $0 }
                    case "audio_bitrate_kbps": reader.int(value, path) { configuration.camera.audioBitrateKbps = $0 }
                    case "retry_seconds": reader.int(value, path) { configuration.camera.retrySeconds = $0 }
                    case "frame_queue_depth": reader.int(value, path) { configuration.camera.frameQueueDepth = $0 }
                    case "real_time": reader.bool(value, path) { configuration.camera.realTime = $0 }
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
            case "publishing":
                if case .table = value { configuration.publishing = value } else { reader.problem(path, "must be a table, not \(value.typeName)") }
            case "storage":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "backend":
                        var name: String?
                        reader.string(value, path) { name = $0 }
                        if let name {
                            if let backend = Storage.Backend(rawValue: name) { configuration.storage.backend = backend }
                            else { reader.problem(path, "must be one of \(Storage.Backend.allCases.map(\.rawValue).joined(separator: ", "))") }
                        }
                    case "endpoints": reader.strings(value, path) { configuration.storage.endpoints = $0 }
                    case "cid_version": reader.int(value, path) { configuration.storage.cidVersion = $0 }
                    case "pin": reader.bool(value, path) { configuration.storage.pin = $0 }
                    case "upload_timeout_seconds": reader.int(value, path) { configuration.storage.uploadTimeoutSeconds = $0 }
                    default: reader.unknown(path)
                    }
                }
            case "http":
                reader.read(value, path: path) { key, value, path, reader in
                    switch key {
                    case "listen": reader.string(value, path) { configuration.http.listen = $0 }
                    case "port": reader.int(value, path) { configuration.http.port = $0 }
                    case "open_hls": reader.bool(value, path) { configuration.http.openHLS = $0 }
                    case "open_metrics": reader.bool(value, path) { configuration.http.openMetrics = $0 }
                    case "idle_timeout_seconds": reader.int(value, path) { configuration.http.idleTimeoutSeconds = $0 }
                    case "allowed_hosts": reader.strings(value, path) { configuration.http.allowedHosts = $0 }
                    default: reader.unknown(path)
                    }
                }
            default: reader.unknown(path)
            }
        }
        // What the file could not hold faithfully is refused here, for the API and the file
        // alike, so whatever a configuration holds can be written and read back unchanged.
        let fileProblems = tree.fileProblems()
        let problems = fileProblems + reader.problems + (reader.problems.isEmpty && fileProblems.isEmpty ? configuration.validate() : [])
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        self = configuration
    }

    /// The configuration as a tree (every key, defaults included).
    public var tree: ConfigValue {
        guard case .table(var root) = ownTree else { return ownTree }
        if let publishing { root["publishing"] = publishing }
        return .table(root)
    }

    private var ownTree: ConfigValue {
        .table([
            "data_dir": .string(dataDirectory),
            "ingest": .table([
                "listen": .string(ingest.listen),
                "rtmp_port": .integer(ingest.rtmpPort),
                "app": .string(ingest.app),
                "handshake_timeout_seconds": .integer(ingest.handshakeTimeoutSeconds),
                "idle_timeout_seconds": .integer(ingest.idleTimeoutSeconds),
                "publish_timeout_seconds": .integer(ingest.publishTimeoutSeconds),
                "max_connections_per_address": .integer(ingest.maxConnectionsPerAddress),
                "max_message_kib": .integer(ingest.maxMessageKiB),
                "max_chunk_size": .integer(ingest.maxChunkSize),
                "source": .string(ingest.source.rawValue),
            ]),
            "camera": cameraTree,
            "segments": .table(["seconds": .integer(segments.seconds)]),
            "ring": .table(["budget_mib": .integer(ring.budgetMiB), "playlist_window": .integer(ring.playlistWindow)]),
            "storage": .table([
                "backend": .string(storage.backend.rawValue),
                "endpoints": .array(storage.endpoints.map { .string($0) }),
                "cid_version": .integer(storage.cidVersion),
                "pin": .boolean(storage.pin),
                "upload_timeout_seconds": .integer(storage.uploadTimeoutSeconds),
            ]),
            "http": .table([
                "listen": .string(http.listen), "port": .integer(http.port),
                "open_hls": .boolean(http.openHLS), "open_metrics": .boolean(http.openMetrics),
                "idle_timeout_seconds": .integer(http.idleTimeoutSeconds),
                "allowed_hosts": .array(http.allowedHosts.map { .string($0) }),
            ]),
        ])
    }
}

/// Walks a tree collecting problems instead of stopping at the first.
private struct TreeReader {
    var problems: [ConfigurationProblem] = []

    mutating func read(_ value: ConfigValue, path: String, _ field: (String, ConfigValue, String, inout TreeReader) -> Void) {
        guard case .table(let table) = value else {
            problem(path.isEmpty ? "(root)" : path, "must be a table, not \(value.typeName)")
            return
        }
        for key in table.keys.sorted() {
            field(key, table[key]!, TOMLString.path(path, key), &self)
        }
    }

    mutating func string(_ value: ConfigValue, _ path: String, _ set: (String) -> Void) {
        if case .string(let string) = value { set(string) } else { problem(path, "must be a string, not \(value.typeName)") }
    }

    mutating func int(_ value: ConfigValue, _ path: String, _ set: (Int) -> Void) {
        if case .integer(let int) = value { set(int) } else { problem(path, "must be an integer, not \(value.typeName)") }
    }

    mutating func bool(_ value: ConfigValue, _ path: String, _ set: (Bool) -> Void) {
        if case .boolean(let bool) = value { set(bool) } else { problem(path, "must be true or false, not \(value.typeName)") }
    }

    mutating func strings(_ value: ConfigValue, _ path: String, _ set: ([String]) -> Void) {
        guard case .array(let items) = value else {
            problem(path, "must be a list of strings, not \(value.typeName)")
            return
        }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            if case .string(let string) = item { strings.append(string) } else { problem("\(path)[\(index)]", "must be a string, not \(item.typeName)") }
        }
        set(strings)
    }

    /// One of an enum's raw values; the problem lists them all.
    mutating func enumeration<Value: RawRepresentable & CaseIterable>(_ value: ConfigValue, _ path: String, _ set: (Value) -> Void)
        where Value.RawValue == String {
        var name: String?
        string(value, path) { name = $0 }
        guard let name else { return }
        if let parsed = Value(rawValue: name) { set(parsed) }
        else { problem(path, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))") }
    }

    mutating func unknown(_ path: String) { problem(path, "unknown setting") }

    mutating func problem(_ path: String, _ reason: String) {
        problems.append(ConfigurationProblem(path: path, reason: reason))
    }
}

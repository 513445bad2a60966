import AliveMedia
import NIOCore

/// Everything the box does, as one typed value. Read from a TOML file people can edit on
/// an SD card (`BoxConfiguration.parse`), overridden by command-line flags, then validated
/// as a whole (`validate()`), so every problem is reported at once with its field path.
///
/// A stage's settings default to that stage's own defaults (`RTMPServer.Configuration`,
/// `Segmenter.Configuration`, `SegmentRing.Configuration`), so each default is written once.
public struct BoxConfiguration: Sendable, Equatable {
    public struct Ingest: Sendable, Equatable {
        private static let stage = RTMPServer.Configuration()

        public var listen = stage.host
        public var rtmpPort = stage.port
        /// The RTMP application: `rtmp://HOST:PORT/<app>/<stream key>`.
        public var app = "live"
        public var handshakeTimeoutSeconds = wholeSeconds(stage.handshakeTimeout)
        public var idleTimeoutSeconds = wholeSeconds(stage.idleTimeout)
        /// From the end of the handshake to an accepted publish: a connection that has not
        /// published by then is closed, so strangers cannot sit on the connection slots.
        public var publishTimeoutSeconds = wholeSeconds(stage.publishTimeout)
        /// Connections at once from one address (of 16 in all); more are closed on accept.
        public var maxConnectionsPerAddress = stage.admission.maxPerAddress
        public var maxMessageKiB = stage.limits.maxMessageLength >> 10
        public var maxChunkSize = stage.limits.maxChunkSize
        /// `rtmp` (an encoder pushes) or `camera` (the `[camera]` table).
        public var source = IngestSource.rtmp
    }

    public struct Segments: Sendable, Equatable {
        /// Target segment duration; Alive consumers expect 10.
        public var seconds = Int(Segmenter.Configuration().targetDurationMilliseconds / 1000)
    }

    public struct Ring: Sendable, Equatable {
        private static let stage = SegmentRing.Configuration()

        public var budgetMiB = stage.budgetBytes >> 20
        public var playlistWindow = stage.playlistWindow
    }

    public struct HTTP: Sendable, Equatable {
        public var listen = "0.0.0.0"
        public var port = 8080
        /// `/hls/` without logging in (a trusted venue LAN); false puts it behind the page login.
        public var openHLS = true
        /// `/metrics` without logging in (for a scraper on the LAN).
        public var openMetrics = true
        /// A connection with no complete request for this long is closed (slow or stalled clients).
        public var idleTimeoutSeconds = 30
        /// Names the page and the API answer to besides the box's own (IP addresses,
        /// `localhost`, its hostname and `<hostname>.local`): a name the venue's DNS gives
        /// it. Any other `Host` is refused, so a web page cannot reach the API through
        /// DNS rebinding.
        public var allowedHosts: [String] = []
    }

    public struct Storage: Sendable, Equatable {
        public enum Backend: String, Sendable, CaseIterable {
            /// Nothing is stored: segments stay in the ring for the HLS preview only.
            case none
            /// The box is its own IPFS store (the embedded default): CIDs computed on the
            /// box, segments kept in the ring and chunk files in memory, served at
            /// `/ipfs/<cid>` while they last. No endpoints.
            case box
            /// Kubo's RPC `POST /api/v0/add`.
            case kubo
            /// IPFS Cluster's `POST /add` (replicated pin).
            case cluster
            /// A Skynet portal's `POST /skynet/skyfile`.
            case skynet
        }

        public var backend = Backend.none
        /// Base URLs, tried in order (fail-over), e.g. `http://127.0.0.1:5001`.
        public var endpoints: [String] = []
        public var cidVersion = 0
        public var pin = true
        public var uploadTimeoutSeconds = 60
    }

    public var dataDirectory = "./data"
    public var ingest = Ingest()
    public var camera = Camera()
    public var storage = Storage()
    /// The `[publishing]` table, kept as written: its keys and checks belong to AlivePublish
    /// (`PublishingConfiguration.parse`), which `alived run` and `alived config check` apply.
    public var publishing: ConfigValue?
    public var segments = Segments()
    public var ring = Ring()
    public var http = HTTP()

    public init() {}

    /// The embedded default (no configuration file): RTMP on 1935, HTTP on 8080, data under
    /// ./data, and the whole flow with no external service: the box stores on itself
    /// (`storage.backend = "box"`) and publishes to its journal (`publishing.network =
    /// "local"`, shown in status, never broadcast).
    public static let `default`: BoxConfiguration = {
        var configuration = BoxConfiguration()
        configuration.storage.backend = .box
        configuration.publishing = .table([
            "network": .string("local"),
            "streamer": .string("alived"),
            "link": .string("box"),
            "batch_interval_seconds": .integer(30),
        ])
        return configuration
    }()
}

/// A stage's time-out as the file writes it: whole seconds.
private func wholeSeconds(_ amount: TimeAmount) -> Int { Int(amount.nanoseconds / 1_000_000_000) }

/// One thing wrong with a configuration: where, and why.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// Dotted path of the field, as written in the file (`ingest.rtmp_port`).
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Every problem found, at once.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigurationProblem]

    public init(problems: [ConfigurationProblem]) { self.problems = problems }

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

extension BoxConfiguration {
    /// Checks every field; empty when the configuration can run.
    public func validate() -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        func check(_ condition: Bool, _ path: String, _ reason: String) {
            if !condition { problems.append(ConfigurationProblem(path: path, reason: reason)) }
        }
        check(!dataDirectory.isEmpty, "data_dir", "must not be empty")
        check(!ingest.listen.isEmpty, "ingest.listen", "must be an address such as 0.0.0.0")
        check((0...65_535).contains(ingest.rtmpPort), "ingest.rtmp_port", "must be 0...65535 (was \(ingest.rtmpPort))")
        check(Self.isPathSafe(ingest.app), "ingest.app", "must be 1-64 characters of letters, digits, '-', '_' or '.'")
        check((1...60).contains(ingest.handshakeTimeoutSeconds), "ingest.handshake_timeout_seconds", "must be 1...60")
        check((2...300).contains(ingest.idleTimeoutSeconds), "ingest.idle_timeout_seconds", "must be 2...300")
        check((2...120).contains(ingest.publishTimeoutSeconds), "ingest.publish_timeout_seconds", "must be 2...120")
        check((1...16).contains(ingest.maxConnectionsPerAddress), "ingest.max_connections_per_address", "must be 1...16")
        check((64...65_536).contains(ingest.maxMessageKiB), "ingest.max_message_kib", "must be 64...65536")
        check((128...16_777_215).contains(ingest.maxChunkSize), "ingest.max_chunk_size", "must be 128...16777215")
        check((1...10).contains(segments.seconds), "segments.seconds", "must be 1...10 (Alive consumers expect at most 10)")
        check((4...4096).contains(ring.budgetMiB), "ring.budget_mib", "must be 4...4096")
        check((2...100).contains(ring.playlistWindow), "ring.playlist_window", "must be 2...100")
        check(!http.listen.isEmpty, "http.listen", "must be an address such as 0.0.0.0")
        check((0...65_535).contains(http.port), "http.port", "must be 0...65535 (was \(http.port))")
        check((1...600).contains(http.idleTimeoutSeconds), "http.idle_timeout_seconds", "must be 1...600")
        check(http.allowedHosts.count <= 16, "http.allowed_hosts", "at most 16 names")
        for (index, name) in http.allowedHosts.enumerated() {
            check(HostAllowList.isValidName(name), "http.allowed_hosts[\(index)]",
                  "must be a DNS name (letters, digits, '-' and '.', at most 253 characters), without a port")
        }
        let needsEndpoints = storage.backend != .none && storage.backend != .box
        check(!needsEndpoints || !storage.endpoints.isEmpty, "storage.endpoints", "needs at least one URL for backend \"\(storage.backend.rawValue)\"")
        for (index, url) in storage.endpoints.enumerated() {
            let lower = url.lowercased()
            check((lower.hasPrefix("http://") || lower.hasPrefix("https://")) && !url.contains("?") && url.count <= 200,
                  "storage.endpoints[\(index)]", "must be an http(s) URL without a query")
        }
        check(storage.cidVersion == 0 || storage.cidVersion == 1, "storage.cid_version", "must be 0 or 1")
        check((5...600).contains(storage.uploadTimeoutSeconds), "storage.upload_timeout_seconds", "must be 5...600")
        validateCamera(check)
        check(http.port == 0 || http.port != ingest.rtmpPort || http.listen != ingest.listen, "http.port", "must differ from ingest.rtmp_port")
        return problems
    }

    static func isPathSafe(_ value: String, maxLength: Int = 64) -> Bool {
        !value.isEmpty && value.count <= maxLength
            && value.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }
            && value != "." && value != ".."
    }
}

import Foundation

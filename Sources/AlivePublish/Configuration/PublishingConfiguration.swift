import AliveLedger

/// How the box publishes: which ledger, which stream, which nodes, how often. Plain
/// values with defaults; read from the `[publishing]` table of the config file
/// (`PublishingConfiguration+TOML.swift`, documented in docs/publishing.md) and
/// checked as a whole by `validate()`. Keys are NOT here: they come from the secrets
/// file (`PublishingSecrets`).
public struct PublishingConfiguration: Sendable, Equatable {
    public enum Network: String, Sendable, CaseIterable {
        /// Hive `custom_json` (ops 0, 1, 2).
        case hive
        /// Avalon playlist transactions (types 25, 26).
        case avalon
        /// No ledger: segments go to AliveDB only.
        case none
        /// No chain: every push (seq, single or chunk, op 2 and op 1) is made exactly as for
        /// a ledger and recorded in the box's journal, shown in status, never broadcast.
        /// The embedded default, so a box with no ledger account still runs the whole flow.
        case local
    }

    public struct Hive: Sendable, Equatable {
        /// JSON-RPC API nodes, tried in order (fail-over; a node that failed is skipped
        /// for `nodeCooldown` while another is available).
        public var apiNodes: [String] = []
        /// `custom_json` id (≤ 32 bytes); Alive's dev network uses `alive-test`.
        public var customJSONID = AliveOperation.defaultCustomJSONID
        /// Chain id signed into every transaction (mainnet `beeab0de00…`).
        public var chainIDHex = HiveChain.mainnet.chainIDHex
        /// Public key prefix: `STM` on mainnet, `TST` on testnets.
        public var publicKeyPrefix = HiveChain.mainnet.publicKeyPrefix
        /// Expiration of each transaction after the head block time (30 … 3600 s). A
        /// transaction lost on its way is replaced (same seq) once the chain is past it.
        public var transactionExpiration: Duration = .seconds(300)

        public init() {}

        public func chain() throws -> HiveChain {
            try HiveChain(chainIDHex: chainIDHex, publicKeyPrefix: publicKeyPrefix)
        }
    }

    public struct Avalon: Sendable, Equatable {
        /// REST API nodes, tried in order (fail-over).
        public var apiNodes: [String] = []

        public init() {}
    }

    public struct AliveDB: Sendable, Equatable {
        /// Base URL of the AliveDB peer's HTTP API (`http://127.0.0.1:3010`).
        public var url: String
        /// GunDB user id for `/loginUser` when the peer is not logged in (with the
        /// secrets' `alivedb_key`); nil: the peer must already be logged in.
        public var userID: String?
        /// Segments waiting to go to AliveDB at most; when full, the oldest waiting one
        /// is dropped (policy `dropOldest`: the ledger still carries it) and counted.
        public var queueCapacity = 64
        /// Attempts per segment before it is given up (counted; the ledger carries it).
        public var attempts = 3

        public init(url: String, userID: String? = nil) {
            self.url = url
            self.userID = userID
        }
    }

    public var network: Network = .none
    /// The ledger account that owns the stream.
    public var streamer = ""
    /// The template of the stream links (one link per event: `StreamLinkTemplate`); a
    /// plain link is a template of itself. Every link it makes is 1–50 chars of
    /// `[A-Za-z0-9_-]` (3–50 on Avalon).
    public var link = ""
    /// The open stream is ended (flush, then op 1) once no media has arrived for this
    /// long: the encoder is gone and the event is over. A box that starts and finds its
    /// open stream idle longer than this ends it first. 10 s – 24 h.
    public var idleEnd: Duration = .seconds(600)
    /// An HAlive node whose `/stream/<streamer>/<link>` serves a stream's playlist, for
    /// the viewer links in status and on the page; nil: `indexerURL`'s.
    public var viewerURL: String?
    /// 0 … 300 s. Every interval the segments not yet on-chain become one push (a
    /// chunk, or a single segment when there is only one); 0 pushes each segment alone.
    public var batchInterval: Duration = .seconds(60)
    /// On a graceful stop: flush, then end the stream (op 1). False (the default) leaves
    /// it open so a restart within `idleEnd` continues it (a stop for an upgrade or a
    /// setting does not cut the event in two); the idle time ends it otherwise.
    public var endOnStop = false
    /// Broadcast op 2 / type 25 when publishing starts (Avalon needs its playlist to
    /// exist before any push, so there it is done whenever the playlist is missing).
    public var configureOnStart = true
    /// `gw` of op 2: the gateway consumers should prefer (≤ 100 chars).
    public var gateway: String?
    /// `storage` of op 2 (IPFS is the default and is left out of the payload).
    public var storage: AliveStorageNetwork = .ipfs
    public var hive = Hive()
    public var avalon = Avalon()
    /// nil: no AliveDB.
    public var aliveDB: AliveDB?
    /// HAlive API base URL for `get_stream_info` (seq cross-check at start); nil: none.
    public var indexerURL: String?
    /// Secrets file (mode 0600) with `posting_key`, `avalon_key`, `alivedb_key`.
    public var secretsFile: String?

    /// Whole-request limit for one call to one node.
    public var requestTimeout: Duration = .seconds(10)
    /// After a node failed, it is skipped this long while another one is available.
    public var nodeCooldown: Duration = .seconds(30)
    /// How often a broadcast transaction's status is asked for.
    public var confirmationPollInterval: Duration = .seconds(1)
    /// A transaction no node knows about is sent again this often (same bytes; a
    /// "duplicate" answer counts as accepted).
    public var rebroadcastInterval: Duration = .seconds(15)
    /// Longest wait between retries after failures (back-off doubles up to it).
    public var maximumRetryDelay: Duration = .seconds(30)
    /// A graceful stop gives the flush and the end of the stream this long; what is
    /// left stays in the journal and goes out at the next start.
    public var stopTimeout: Duration = .seconds(60)

    public init() {}

    /// The stream's key in the journal (seq numbers are per network and stream).
    var streamNetworkName: String { network.rawValue }

    /// The link template (valid once `validate()` found no problem).
    public var linkTemplate: StreamLinkTemplate {
        get throws { try StreamLinkTemplate(link, minimumLength: network == .avalon ? 3 : 1) }
    }

    /// This configuration for one stream: `link` is that stream's link.
    public func forStream(link: String) -> PublishingConfiguration {
        var copy = self
        copy.link = link
        return copy
    }

    /// Where viewers watch `link` (an HAlive node's playlist), when a node is known.
    public func viewerURL(link: String) -> String? {
        guard var base = viewerURL ?? indexerURL else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/stream/\(streamer)/\(link)"
    }
}

/// One thing wrong with a publishing configuration: where (dotted path as written in
/// the file) and why.
public struct PublishingConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

extension PublishingConfiguration {
    /// Every problem at once; empty when the configuration can run.
    public func validate() -> [PublishingConfigurationProblem] {
        var problems: [PublishingConfigurationProblem] = []
        func check(_ condition: Bool, _ path: String, _ reason: String) {
            if !condition { problems.append(PublishingConfigurationProblem(path: "publishing." + path, reason: reason)) }
        }
        func checkURL(_ url: String, _ path: String) {
            let lower = url.lowercased()
            check((lower.hasPrefix("http://") || lower.hasPrefix("https://")) && !url.contains("?")
                  && !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }),
                  path, "must be an http(s) URL without a query or spaces")
        }
        // 0–300 s keeps every segment on-chain well inside AliveDB's 600 s window, so a
        // live viewer's playlist (chain, then AliveDB's newer items) has no hole.
        check((0...300).contains(batchInterval.secondsDouble), "batch_interval_seconds", "must be 0–300")
        check(idleEnd >= .seconds(10) && idleEnd <= .seconds(86_400), "idle_end_seconds", "must be 10–86400")
        if network != .none || aliveDB != nil {
            do {
                _ = try StreamLinkTemplate(link, minimumLength: network == .avalon ? 3 : 1)
            } catch {
                problems.append(error)
            }
            check(!streamer.isEmpty, "streamer", "must name the ledger account that owns the stream")
        }
        if let viewerURL { checkURL(viewerURL, "viewer_url") }
        switch network {
        case .hive:
            check(!hive.apiNodes.isEmpty, "hive.api_nodes", "needs at least one Hive API node")
            for (index, node) in hive.apiNodes.enumerated() { checkURL(node, "hive.api_nodes[\(index)]") }
            check((1...HiveCustomJSON.maximumIDLength).contains(hive.customJSONID.utf8.count)
                  && !hive.customJSONID.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F },
                  "hive.custom_json_id", "must be 1–32 bytes without control characters")
            do { _ = try hive.chain() } catch let error as LedgerError {
                check(false, "hive.chain_id", error.detail)
            } catch {
                check(false, "hive.chain_id", "\(error)")
            }
            check((30...Int64(HiveTransaction.maximumExpirationDelay)).contains(hive.transactionExpiration.components.seconds),
                  "hive.transaction_expiration_seconds", "must be 30–3600")
            check(isHiveAccount(streamer), "streamer", "must be a Hive account name (3–16 chars, a–z, 0–9, - and .)")
        case .avalon:
            check(!avalon.apiNodes.isEmpty, "avalon.api_nodes", "needs at least one Avalon API node")
            for (index, node) in avalon.apiNodes.enumerated() { checkURL(node, "avalon.api_nodes[\(index)]") }
            check(isAvalonAccount(streamer), "streamer", "must be an Avalon account name (1–50 chars of a–z, 0–9, - and .)")
        case .local:
            check(!streamer.isEmpty && streamer.utf8.count <= 50, "streamer", "must be 1–50 characters (a name for the local record)")
        case .none:
            break
        }
        if let aliveDB {
            checkURL(aliveDB.url, "alivedb.url")
            check((1...4096).contains(aliveDB.queueCapacity), "alivedb.queue_capacity", "must be 1–4096")
            check((1...10).contains(aliveDB.attempts), "alivedb.attempts", "must be 1–10")
            // The token sign-in is a Hive signature over a Hive head block.
            check(network != .avalon, "alivedb", "AliveDB token sign-in needs a Hive account; use network \"hive\" or \"none\"")
            if network == .none {
                check(!hive.apiNodes.isEmpty, "hive.api_nodes", "AliveDB's sign-in needs a Hive API node for the head block")
                check(isHiveAccount(streamer), "streamer", "must be a Hive account name for AliveDB's sign-in")
            }
        }
        if let indexerURL { checkURL(indexerURL, "indexer_url") }
        if let gateway {
            check((1...100).contains(gateway.count) && !gateway.unicodeScalars.contains { $0.value < 0x20 },
                  "gateway", "must be 1–100 characters")
        }
        check(requestTimeout >= .milliseconds(100) && requestTimeout <= .seconds(300), "request_timeout_seconds", "must be 0.1–300")
        check(nodeCooldown >= .zero && nodeCooldown <= .seconds(3600), "node_cooldown_seconds", "must be 0–3600")
        check(confirmationPollInterval >= .milliseconds(10) && confirmationPollInterval <= .seconds(60),
              "confirmation_poll_seconds", "must be 0.01–60")
        check(rebroadcastInterval >= .milliseconds(10) && rebroadcastInterval <= .seconds(600),
              "rebroadcast_seconds", "must be 0.01–600")
        check(maximumRetryDelay >= .milliseconds(10) && maximumRetryDelay <= .seconds(600),
              "max_retry_delay_seconds", "must be 0.01–600")
        check(stopTimeout >= .seconds(1) && stopTimeout <= .seconds(3600), "stop_timeout_seconds", "must be 1–3600")
        return problems
    }

    /// Throws `PublishError(.configuration)` listing every problem.
    public func validated() throws -> PublishingConfiguration {
        let problems = validate()
        guard problems.isEmpty else {
            throw PublishError(.configuration, "invalid publishing configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n"))
        }
        return self
    }

    private func isHiveAccount(_ name: String) -> Bool {
        guard (3...16).contains(name.utf8.count) else { return false }
        return name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { part in
            part.count >= 3 && isLower(part.first!) && (isLower(part.last!) || isDigit(part.last!))
                && part.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private func isAvalonAccount(_ name: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard (1...50).contains(utf8.count), let first = utf8.first, let last = utf8.last else { return false }
        return (isLower(first) || isDigit(first)) && (isLower(last) || isDigit(last))
            && utf8.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

extension Duration {
    /// Seconds as a Double (for ranges, logs and the TOML form).
    var secondsDouble: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

import AliveMedia
import Foundation
import Hummingbird
import Metrics

extension ControlServer {
    func addConfigurationRoutes(to router: Router<ControlRequestContext>) {
        router.get("api/v1/config") { request, context in
            _ = try authenticate(request, context, mutating: false)
            return try JSONResponse.encode(["config": store.current.tree])
        }
        router.put("api/v1/config") { request, context in
            _ = try authenticate(request, context, mutating: true)
            let tree = try await request.decodeJSON(ConfigValue.self, context: context)
            return try configurationChange { try store.replace(with: tree) }
        }
        router.patch("api/v1/config") { request, context in
            _ = try authenticate(request, context, mutating: true)
            let tree = try await request.decodeJSON(ConfigValue.self, context: context)
            return try configurationChange { try store.patch(with: tree) }
        }
        router.get("api/v1/secrets") { request, context in
            _ = try authenticate(request, context, mutating: false)
            return try JSONResponse.make(secretsState())
        }
        router.put("api/v1/secrets") { request, context in
            _ = try authenticate(request, context, mutating: true)
            let body = try await request.decodeJSON([String: String].self, context: context)
            let ledgerNames = keyInspector?.names ?? []
            var problems: [ConfigurationProblem] = []
            for key in body.keys.sorted() where key != "stream_key" && !ledgerNames.contains(key) {
                problems.append(ConfigurationProblem(path: key, reason: "unknown secret"))
            }
            if let key = body["stream_key"], !SecretsStore.isValidStreamKey(key) {
                problems.append(ConfigurationProblem(path: "stream_key", reason: "must be 8-128 characters of letters, digits, '-', '_' or '.'"))
            }
            for name in ledgerNames.sorted() {
                guard let value = body[name], let keyInspector else { continue }
                if case .invalid(let reason) = keyInspector.inspect(name, value) {
                    problems.append(ConfigurationProblem(path: name, reason: reason))
                }
            }
            guard problems.isEmpty else { throw APIError(status: .badRequest, message: "invalid secrets", problems: problems) }
            try secrets.update { stored in
                if let key = body["stream_key"] { stored.streamKey = key }
                for name in ledgerNames { if let value = body[name] { stored.others[name] = value } }
            }
            if let key = body["stream_key"] {
                coordinator.setStreamKey(key)   // for the next publish; a running one continues
            }
            return try JSONResponse.make(secretsState())
        }
        router.get("api/v1/logs") { request, context in
            _ = try authenticate(request, context, mutating: false)
            let limit = min(max(Int(request.uri.queryParameters.get("lines") ?? "") ?? 200, 1), logs.capacity)
            return try JSONResponse.make(["lines": logs.recent(limit)])
        }
    }

    /// Which secrets are set, and the public key of each ledger key; never their values.
    /// Ledger keys are read by the publisher at its next start (a restart applies them).
    private func secretsState() -> [String: Any] {
        let current = secrets.current
        var state: [String: Any] = ["stream_key": ["set": current.streamKey != nil], "page_password": ["set": current.pagePasswordHash != nil]]
        for name in keyInspector?.names ?? [] {
            var entry: [String: Any] = ["set": current.others[name] != nil]
            if let value = current.others[name], case .valid(let publicKey?) = keyInspector?.inspect(name, value) {
                entry["public_key"] = publicKey
            }
            state[name] = entry
        }
        return state
    }

    private func configurationChange(_ change: () throws -> ConfigurationStore.ChangeReport) throws -> Response {
        do {
            let report = try change()
            return try JSONResponse.encode(ConfigurationChangeDocument(config: store.current.tree, applied: report.applied, restartRequired: report.restartRequired))
        } catch let error as ConfigurationError {
            throw APIError(status: .badRequest, message: "invalid configuration; nothing changed", problems: error.problems)
        } catch let error as AtomicFile.Failure {
            throw APIError(status: .internalServerError, message: "configuration not saved: \(error.description)")
        }
    }

    /// Gauges read at scrape time from the stages' own accounting.
    func recordGauges() {
        let statistics = ring.statistics
        Gauge(label: "alived_ring_bytes_in_use").record(statistics.bytesInUse)
        Gauge(label: "alived_ring_budget_bytes").record(statistics.budgetBytes)
        Gauge(label: "alived_ring_segments").record(statistics.segmentCount)
        Gauge(label: "alived_ingest_publishing").record(coordinator.status.state == .publishing ? 1 : 0)
        Gauge(label: "alived_segmenter_queued_bytes").record(pipeline.queuedBytes)
    }
}

struct ConfigurationChangeDocument: Encodable {
    var config: ConfigValue
    var applied: [String]
    var restartRequired: [String]

    enum CodingKeys: String, CodingKey {
        case config, applied
        case restartRequired = "restart_required"
    }
}

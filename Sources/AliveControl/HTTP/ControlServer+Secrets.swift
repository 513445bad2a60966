import Hummingbird

extension ControlServer {
    /// Signed in: which secrets are set, and new values for them (never the values back).
    func secretsRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("secrets") { _, _ in
            try JSONResponse.make(secretsState())
        }
        routes.put("secrets") { request, context in
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
        return routes
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
}

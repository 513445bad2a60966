import AliveMedia
import Foundation
import Hummingbird

extension ControlServer {
    /// Signed in: the running configuration (read, replace, patch) and the recent log.
    func configurationRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("config") { _, _ in
            try JSONResponse.encode(["config": store.current.tree])
        }
        routes.put("config") { request, context in
            let tree = try await request.decodeJSON(ConfigValue.self, context: context)
            return try configurationChange { try store.replace(with: tree) }
        }
        routes.patch("config") { request, context in
            let tree = try await request.decodeJSON(ConfigValue.self, context: context)
            return try configurationChange { try store.patch(with: tree) }
        }
        routes.get("logs") { request, _ in
            let limit = min(max(Int(request.uri.queryParameters.get("lines") ?? "") ?? 200, 1), logs.capacity)
            return try JSONResponse.make(["lines": logs.recent(limit)])
        }
        return routes
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

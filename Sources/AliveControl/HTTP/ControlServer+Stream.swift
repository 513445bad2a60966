import Hummingbird

extension ControlServer {
    /// Signed in, under `/api/v1/stream/`: `configure` and `end` wait until the
    /// transaction is on-chain.
    func streamRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.post("configure") { _, _ in
            try await streamOperation("configure") { try await $0.configure() }
        }
        routes.post("end") { _, _ in
            try await streamOperation("end") { try await $0.end() }
        }
        return routes
    }

    private func streamOperation(_ name: String, _ body: (StreamControl) async throws -> StreamControl.Outcome) async throws -> Response {
        guard let streamControl else {
            throw APIError(status: .conflict, message: "publishing is not configured: add a [publishing] table (docs/publishing.md)")
        }
        do {
            return try JSONResponse.encode(try await body(streamControl))
        } catch let failure as StreamControl.Failure {
            switch failure.kind {
            case .refused: throw APIError(status: .conflict, message: "stream \(name) refused: \(failure.message)")
            case .unavailable: throw APIError(status: .badGateway, message: "stream \(name) failed: \(failure.message)")
            }
        }
    }
}

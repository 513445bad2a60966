import Hummingbird

extension ControlServer {
    /// `POST /api/v1/stream/configure` and `/api/v1/stream/end`: authenticated, CSRF-checked
    /// like every mutating route; they wait until the transaction is on-chain.
    func addStreamRoutes(to router: Router<ControlRequestContext>) {
        router.post("api/v1/stream/configure") { request, context in
            _ = try authenticate(request, context, mutating: true)
            return try await streamOperation("configure") { try await $0.configure() }
        }
        router.post("api/v1/stream/end") { request, context in
            _ = try authenticate(request, context, mutating: true)
            return try await streamOperation("end") { try await $0.end() }
        }
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

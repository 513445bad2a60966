import HTTPTypes
import Hummingbird

/// A live session the request carried, and how it carried it.
struct AuthenticatedSession: Sendable {
    enum Carrier: Sendable { case bearer, cookie }
    let session: SessionAuthority.Session
    let carrier: Carrier
}

/// Refuses a request without a live session (401, `APIError.unauthorized`) and puts the
/// session into the context for the handlers. On a route group: every route added to the
/// group is behind it.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    static let cookie = "alived_session"

    let authority: SessionAuthority

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.session = try session(of: request)
        return try await next(request, context)
    }

    /// The session `request` carries: the bearer token when it sends `Authorization` (then
    /// nothing else counts), otherwise the session cookie.
    func session(of request: Request) throws -> AuthenticatedSession {
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "), let session = authority.session(for: String(authorization.dropFirst(7))) else {
                throw APIError.unauthorized
            }
            return AuthenticatedSession(session: session, carrier: .bearer)
        }
        guard let token = request.cookies[Self.cookie]?.value, let session = authority.session(for: token) else {
            throw APIError.unauthorized
        }
        return AuthenticatedSession(session: session, carrier: .cookie)
    }

    /// This middleware, except while `isOpen()` says the routes are open to anyone
    /// (`http.open_hls`, `http.open_metrics`): asked on every request, so a change applies
    /// to the next one.
    func unless(_ isOpen: @escaping @Sendable () -> Bool) -> SessionUnlessOpenMiddleware {
        SessionUnlessOpenMiddleware(isOpen: isOpen, authentication: self)
    }
}

import HTTPTypes
import Hummingbird

/// State changes made with the session cookie (any method but GET, HEAD and OPTIONS) must
/// send the session's CSRF token in `X-CSRF-Token`, and come from this box's own origin
/// when the browser names one in `Origin`; 403 otherwise. Bearer tokens cannot be attached
/// by another site, so they need neither. After `SessionMiddleware` on the same group.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    static let header = HTTPField.Name("X-CSRF-Token")!
    private static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let authenticated = context.session else { throw APIError.unauthorized }
        if authenticated.carrier == .cookie && !Self.safeMethods.contains(request.method) {
            guard let csrf = request.headers[Self.header], csrf == authenticated.session.csrfToken else {
                throw APIError(status: .forbidden, message: "missing or wrong X-CSRF-Token")
            }
            if let origin = request.headers[.origin], let host = request.head.authority,
               origin != "http://\(host)" && origin != "https://\(host)" {
                throw APIError(status: .forbidden, message: "cross-site request refused")
            }
        }
        return try await next(request, context)
    }
}

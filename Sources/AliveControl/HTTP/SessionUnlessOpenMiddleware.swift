import Hummingbird

/// `SessionMiddleware` while `isOpen()` is false; nothing while it is true.
struct SessionUnlessOpenMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let isOpen: @Sendable () -> Bool
    let authentication: SessionMiddleware

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if isOpen() { return try await next(request, context) }
        return try await authentication.handle(request, context: context, next: next)
    }
}

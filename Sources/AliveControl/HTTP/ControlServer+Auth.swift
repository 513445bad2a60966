import Foundation
import HTTPTypes
import Hummingbird

extension ControlServer {
    /// Password checks queued beyond `PasswordWorker.maxWaiting`: retry, nothing counted.
    private static var busy: APIError {
        APIError(status: .serviceUnavailable, message: "the box is busy checking passwords; retry in a second", headers: [.retryAfter: "1"])
    }

    private struct PasswordBody: Decodable { var password: String }
    private struct PasswordChangeBody: Decodable { var current: String; var new: String }

    private func sessionResponse(_ session: SessionAuthority.Session, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONResponse.make(
            ["token": session.token, "csrf_token": session.csrfToken], status: status,
            headers: [.setCookie: "\(SessionMiddleware.cookie)=\(session.token); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"])
    }

    /// Open: whether a password is set and the caller signed in, the first password, login.
    func loginRoutes(authentication: SessionMiddleware) -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("auth") { request, _ in
            let session = try? authentication.session(of: request).session
            var body: [String: Any] = ["password_set": authority.passwordIsSet, "authenticated": session != nil]
            if let session { body["csrf_token"] = session.csrfToken }
            return try JSONResponse.make(body)
        }
        routes.post("auth/setup") { request, context in
            let body = try await request.decodeJSON(PasswordBody.self, context: context)
            guard !authority.passwordIsSet else { throw APIError(status: .conflict, message: "a password is already set; log in") }
            do {
                return try sessionResponse(try await authority.setUp(password: body.password), status: .created)
            } catch is PasswordWorker.Busy {
                throw Self.busy
            } catch let error as SessionAuthority.PasswordPolicyError {
                throw APIError(status: .badRequest, message: error.description, problems: [ConfigurationProblem(path: "password", reason: error.description)])
            } catch SessionAuthority.LoginFailure.wrongPassword {
                throw APIError(status: .conflict, message: "a password is already set; log in")
            }
        }
        routes.post("auth/login") { request, context in
            let body = try await request.decodeJSON(PasswordBody.self, context: context)
            do {
                return try sessionResponse(try await authority.logIn(password: body.password, from: context.peer))
            } catch is PasswordWorker.Busy {
                throw Self.busy
            } catch SessionAuthority.LoginFailure.rateLimited(let wait) {
                throw APIError(status: .tooManyRequests, message: "too many failed logins; retry in \(wait) s", headers: [.retryAfter: "\(wait)"])
            } catch SessionAuthority.LoginFailure.noPasswordSet {
                throw APIError(status: .conflict, message: "no password yet: set one first")
            } catch {
                throw APIError(status: .unauthorized, message: "wrong password")
            }
        }
        return routes
    }

    /// Signed in: logging out, changing the password.
    func sessionRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.post("auth/logout") { _, context in
            guard let session = context.session?.session else { throw APIError.unauthorized }
            authority.logOut(token: session.token)
            return try JSONResponse.make(["logged_out": true],
                                         headers: [.setCookie: "\(SessionMiddleware.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"])
        }
        routes.post("auth/password") { request, context in
            let body = try await request.decodeJSON(PasswordChangeBody.self, context: context)
            do {
                try await authority.changePassword(current: body.current, new: body.new, from: context.peer)
            } catch is PasswordWorker.Busy {
                throw Self.busy
            } catch let error as SessionAuthority.PasswordPolicyError {
                throw APIError(status: .badRequest, message: error.description, problems: [ConfigurationProblem(path: "new", reason: error.description)])
            } catch SessionAuthority.LoginFailure.rateLimited(let wait) {
                throw APIError(status: .tooManyRequests, message: "too many failed attempts; retry in \(wait) s", headers: [.retryAfter: "\(wait)"])
            } catch {
                throw APIError(status: .forbidden, message: "current password is wrong")
            }
            return try JSONResponse.make(["changed": true])
        }
        return routes
    }
}

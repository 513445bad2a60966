import Foundation
import HTTPTypes
import Hummingbird

extension ControlServer {
    static let sessionCookie = "alived_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// The caller's session. Cookie sessions must also send the CSRF token (and a matching
    /// Origin, when the browser sends one) on state-changing requests; bearer tokens cannot
    /// be attached by another site, so they need neither.
    func authenticate(_ request: Request, _ context: ControlRequestContext, mutating: Bool) throws -> SessionAuthority.Session {
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "), let session = authority.session(for: String(authorization.dropFirst(7))) else {
                throw APIError.unauthorized
            }
            return session
        }
        guard let token = request.cookies[Self.sessionCookie]?.value, let session = authority.session(for: token) else {
            throw APIError.unauthorized
        }
        if mutating {
            guard let csrf = request.headers[Self.csrfHeader], csrf == session.csrfToken else {
                throw APIError(status: .forbidden, message: "missing or wrong X-CSRF-Token")
            }
            if let origin = request.headers[.origin], let host = request.head.authority,
               origin != "http://\(host)" && origin != "https://\(host)" {
                throw APIError(status: .forbidden, message: "cross-site request refused")
            }
        }
        return session
    }

    /// Password checks queued beyond `PasswordWorker.maxWaiting`: retry, nothing counted.
    private static var busy: APIError {
        APIError(status: .serviceUnavailable, message: "the box is busy checking passwords; retry in a second", headers: [.retryAfter: "1"])
    }

    private struct PasswordBody: Decodable { var password: String }
    private struct PasswordChangeBody: Decodable { var current: String; var new: String }

    private func sessionResponse(_ session: SessionAuthority.Session, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONResponse.make(
            ["token": session.token, "csrf_token": session.csrfToken], status: status,
            headers: [.setCookie: "\(Self.sessionCookie)=\(session.token); Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"])
    }

    func addAuthRoutes(to router: Router<ControlRequestContext>) {
        router.get("api/v1/auth") { request, context in
            let session = try? authenticate(request, context, mutating: false)
            var body: [String: Any] = ["password_set": authority.passwordIsSet, "authenticated": session != nil]
            if let session { body["csrf_token"] = session.csrfToken }
            return try JSONResponse.make(body)
        }
        router.post("api/v1/auth/setup") { request, context in
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
        router.post("api/v1/auth/login") { request, context in
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
        router.post("api/v1/auth/logout") { request, context in
            let session = try authenticate(request, context, mutating: true)
            authority.logOut(token: session.token)
            return try JSONResponse.make(["logged_out": true],
                                         headers: [.setCookie: "\(Self.sessionCookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"])
        }
        router.post("api/v1/auth/password") { request, context in
            _ = try authenticate(request, context, mutating: true)
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
    }
}

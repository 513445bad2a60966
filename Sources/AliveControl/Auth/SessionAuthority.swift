import Crypto
import Foundation
import Synchronization

/// Who may use the API: the page password (set on first start), sessions carried by an
/// HttpOnly SameSite cookie or a bearer token, login attempts rate-limited, and a CSRF
/// token required for state changes made with the cookie.
public final class SessionAuthority: Sendable {
    public struct Session: Sendable {
        public let token: String
        public let csrfToken: String
        let expires: ContinuousClock.Instant
    }

    public enum LoginFailure: Error, Equatable {
        case wrongPassword
        case noPasswordSet
        /// Too many failures from this address (or overall): wait this many seconds.
        case rateLimited(retryAfterSeconds: Int)
    }

    public struct Limits: Sendable {
        public var sessionLifetime: Duration = .seconds(12 * 3600)
        /// Bounded: beyond it the oldest session is dropped (overflow policy: evict oldest).
        public var maxSessions = 32
        public var failuresPerAddress = 5
        public var failuresOverall = 30
        public var failureWindow: Duration = .seconds(60)
        public init() {}
    }

    private struct State {
        var sessions: [String: Session] = [:]        // key: SHA-256 of the token
        var order: [String] = []
        var failures: [String: [ContinuousClock.Instant]] = [:]
        var allFailures: [ContinuousClock.Instant] = []
    }

    private let secrets: SecretsStore
    private let limits: Limits
    private let state = Mutex(State())

    public init(secrets: SecretsStore, limits: Limits = Limits()) {
        self.secrets = secrets
        self.limits = limits
    }

    public var passwordIsSet: Bool { secrets.current.pagePasswordHash != nil }

    /// First start only: sets the password and opens a session.
    public func setUp(password: String) throws -> Session {
        guard password.count >= PasswordHash.minimumLength else { throw PasswordPolicyError() }
        let hash = try PasswordHash.make(password)
        var alreadySet = false
        try secrets.update { secrets in
            if secrets.pagePasswordHash != nil { alreadySet = true; return }
            secrets.pagePasswordHash = hash
        }
        if alreadySet { throw LoginFailure.wrongPassword }
        return openSession()
    }

    public struct PasswordPolicyError: Error, CustomStringConvertible {
        public var description: String { "the password must be at least \(PasswordHash.minimumLength) characters" }
    }

    public func logIn(password: String, from address: String) throws -> Session {
        secrets.reloadIfChanged()
        guard let stored = secrets.current.pagePasswordHash else { throw LoginFailure.noPasswordSet }
        if let wait = rateLimit(for: address) { throw LoginFailure.rateLimited(retryAfterSeconds: wait) }
        guard PasswordHash.verify(password, against: stored) else {
            let now = ContinuousClock.now
            state.withLock { state in
                state.failures[address, default: []].append(now)
                state.allFailures.append(now)
            }
            throw LoginFailure.wrongPassword
        }
        state.withLock { _ = $0.failures.removeValue(forKey: address) }
        return openSession()
    }

    private func rateLimit(for address: String) -> Int? {
        let now = ContinuousClock.now
        return state.withLock { state in
            let horizon = now - limits.failureWindow
            state.allFailures.removeAll { $0 < horizon }
            let recent = (state.failures[address] ?? []).filter { $0 >= horizon }
            state.failures[address] = recent.isEmpty ? nil : recent
            // Bounded memory: forget the oldest addresses if a scan fills the table.
            if state.failures.count > 1024 { state.failures.removeAll() }
            let oldest = recent.count >= limits.failuresPerAddress ? recent.first
                : state.allFailures.count >= limits.failuresOverall ? state.allFailures.first : nil
            guard let oldest else { return nil }
            let wait = (oldest + limits.failureWindow) - now
            return max(1, Int(wait.components.seconds) + 1)
        }
    }

    private func openSession() -> Session {
        let session = Session(token: Self.randomToken(), csrfToken: Self.randomToken(), expires: .now + limits.sessionLifetime)
        let key = Self.key(session.token)
        state.withLock { state in
            state.sessions[key] = session
            state.order.append(key)
            while state.order.count > limits.maxSessions {
                state.sessions.removeValue(forKey: state.order.removeFirst())
            }
        }
        return session
    }

    /// The live session for `token`, if any.
    public func session(for token: String) -> Session? {
        let key = Self.key(token)
        return state.withLock { state in
            guard let session = state.sessions[key] else { return nil }
            if session.expires < .now {
                state.sessions.removeValue(forKey: key)
                state.order.removeAll { $0 == key }
                return nil
            }
            return session
        }
    }

    public func logOut(token: String) {
        let key = Self.key(token)
        state.withLock { state in
            state.sessions.removeValue(forKey: key)
            state.order.removeAll { $0 == key }
        }
    }

    /// Ends every session (after a password change).
    public func logOutEverywhere() {
        state.withLock { state in
            state.sessions.removeAll()
            state.order.removeAll()
        }
    }

    public func changePassword(current: String, new: String, from address: String) throws {
        _ = try logIn(password: current, from: address)
        guard new.count >= PasswordHash.minimumLength else { throw PasswordPolicyError() }
        let hash = try PasswordHash.make(new)
        try secrets.update { $0.pagePasswordHash = hash }
        logOutEverywhere()
    }

    /// Tokens are kept hashed, so a memory dump of the table does not hand out sessions.
    private static func key(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}

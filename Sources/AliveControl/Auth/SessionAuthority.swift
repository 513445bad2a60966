import Crypto
import Foundation
import Synchronization

/// Who may use the API: the page password (set on first start), sessions carried by an
/// HttpOnly SameSite cookie or a bearer token, and a CSRF token required for state changes
/// made with the cookie.
///
/// Wrong passwords are limited per address only: an address that fails
/// `failuresPerAddress` times within `failureWindow` waits, twice as long each time it does
/// so again. No limit is shared between addresses, so strangers trying passwords from six
/// laptops cannot lock the operator out; the box-wide cost is bounded by `PasswordWorker`
/// (one scrypt at a time, off the control thread).
public final class SessionAuthority: Sendable {
    public struct Session: Sendable {
        public let token: String
        public let csrfToken: String
        let expires: ContinuousClock.Instant
    }

    public enum LoginFailure: Error, Equatable {
        case wrongPassword
        case noPasswordSet
        /// Too many failures from this address: wait this many seconds.
        case rateLimited(retryAfterSeconds: Int)
    }

    public struct Limits: Sendable {
        public var sessionLifetime: Duration = .seconds(12 * 3600)
        /// Bounded: beyond it the oldest session is dropped (overflow policy: evict oldest).
        public var maxSessions = 32
        public var failuresPerAddress = 5
        public var failureWindow: Duration = .seconds(60)
        /// The first wait of an address that reached `failuresPerAddress`; doubled each
        /// time it does so again, up to `longestBackOff`.
        public var firstBackOff: Duration = .seconds(30)
        public var longestBackOff: Duration = .seconds(15 * 60)
        /// Addresses remembered; beyond it the one seen longest ago is forgotten
        /// (overflow policy: evict the stalest, never an address in back-off before others).
        public var maxAddresses = 1024
        public init() {}
    }

    /// What one address did lately.
    private struct AddressRecord {
        var failures: [ContinuousClock.Instant] = []
        var backOffs = 0
        var waitUntil: ContinuousClock.Instant?
        var lastSeen: ContinuousClock.Instant
    }

    private struct State {
        var sessions: [String: Session] = [:]        // key: SHA-256 of the token
        var order: [String] = []
        var addresses: [String: AddressRecord] = [:]
        /// Wrong passwords from every address in the last window: reported, never a limit.
        var recentFailures: [ContinuousClock.Instant] = []
        /// Addresses with a password check queued or running: one at a time each, so one
        /// address cannot fill `PasswordWorker`'s queue (and get past its back-off by
        /// sending many guesses before the first is counted).
        var checking: Set<String> = []
    }

    private let secrets: SecretsStore
    private let limits: Limits
    private let worker: PasswordWorker
    private let state = Mutex(State())

    public init(secrets: SecretsStore, limits: Limits = Limits(), worker: PasswordWorker = PasswordWorker()) {
        self.secrets = secrets
        self.limits = limits
        self.worker = worker
    }

    /// Wrong passwords in the last `failureWindow`, all addresses together (status, logs).
    public var recentFailureCount: Int {
        let horizon = ContinuousClock.now - limits.failureWindow
        return state.withLock { state in
            state.recentFailures.removeAll { $0 < horizon }
            return state.recentFailures.count
        }
    }

    public var passwordIsSet: Bool { secrets.current.pagePasswordHash != nil }

    /// First start only: sets the password and opens a session.
    public func setUp(password: String) async throws -> Session {
        guard password.count >= PasswordHash.minimumLength else { throw PasswordPolicyError() }
        let hash = try await worker.run { try PasswordHash.make(password) }
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

    public func logIn(password: String, from address: String) async throws -> Session {
        secrets.reloadIfChanged()
        guard let stored = secrets.current.pagePasswordHash else { throw LoginFailure.noPasswordSet }
        // Only this address's own record can make it wait, and it waits without a scrypt.
        if let wait = backOff(for: address) { throw LoginFailure.rateLimited(retryAfterSeconds: wait) }
        defer { state.withLock { _ = $0.checking.remove(address) } }
        guard try await worker.run({ PasswordHash.verify(password, against: stored) }) else {
            recordFailure(from: address)
            throw LoginFailure.wrongPassword
        }
        state.withLock { _ = $0.addresses.removeValue(forKey: address) }
        return openSession()
    }

    /// Seconds `address` must still wait, if it is in back-off or has a check under way;
    /// otherwise marks it as checking (the caller clears the mark).
    private func backOff(for address: String) -> Int? {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let until = state.addresses[address]?.waitUntil, until > now { return Self.wholeSeconds(until - now) }
            guard state.checking.insert(address).inserted else { return 1 }
            return nil
        }
    }

    private func recordFailure(from address: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            let horizon = now - limits.failureWindow
            state.recentFailures.removeAll { $0 < horizon }
            state.recentFailures.append(now)
            var record = state.addresses[address] ?? AddressRecord(lastSeen: now)
            record.lastSeen = now
            record.failures.removeAll { $0 < horizon }
            record.failures.append(now)
            if record.failures.count >= limits.failuresPerAddress {
                let doublings = min(record.backOffs, 20)
                let wait = min(limits.firstBackOff * (1 << doublings), limits.longestBackOff)
                record.waitUntil = now + wait
                record.backOffs += 1
                record.failures.removeAll()
            }
            state.addresses[address] = record
            if state.addresses.count > limits.maxAddresses,
               let stalest = state.addresses.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                state.addresses.removeValue(forKey: stalest)
            }
        }
    }

    private static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
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

    public func changePassword(current: String, new: String, from address: String) async throws {
        _ = try await logIn(password: current, from: address)
        guard new.count >= PasswordHash.minimumLength else { throw PasswordPolicyError() }
        let hash = try await worker.run { try PasswordHash.make(new) }
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

/// The one error type of AliveStorage. Codes are stable and compared in tests; the
/// message is for people and never contains a secret (no access token, no URL query).
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A request could not be set up (bad URL, bad option); nothing was sent.
        case invalidRequest
        /// Too many requests already waiting for a transfer slot (overflow policy).
        case overloaded
        /// The connection could not be made within the connect time-out, or was refused.
        case connectFailed
        /// The transfer did not finish within its total time-out.
        case timedOut
        /// The connection broke or the peer answered something that is not HTTP.
        case transferFailed
        /// TLS handshake or certificate verification failed.
        case tlsFailed
        /// The answer body is larger than the request allows.
        case responseTooLarge
        /// The client was shut down before the request finished.
        case shutDown
        /// The endpoint answered with a non-success HTTP status.
        case httpStatus
        /// The endpoint answered 2xx but the body is not the expected answer.
        case badAnswer
        /// The IPFS endpoint answered a CID different from the one computed on the box.
        case cidMismatch
        /// The segment left the ring before it could be stored.
        case segmentGone
        /// A file could not be opened or mapped.
        case file
        /// No endpoint is configured for this kind of object.
        case noEndpoint
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func file(path: String, reason: String) -> StorageError {
        StorageError(.file, "\(path): \(reason)")
    }
}

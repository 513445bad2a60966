/// The one error type of AliveLedger: what went wrong (`kind`) and a human-readable
/// detail. Details never contain key material or signatures of secrets.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    /// Stable categories callers and tests can match on.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A private key, public key or key string that cannot be used.
        public static let invalidKey = Kind("invalid key")
        /// A signature that cannot be parsed or does not recover to a public key.
        public static let invalidSignature = Kind("invalid signature")
        /// A field (account, link, hash, duration, id, time …) outside what the protocol accepts.
        public static let invalidInput = Kind("invalid input")
        /// libsecp256k1 refused an operation that should not fail, or was used after close().
        public static let cryptoFailure = Kind("crypto failure")
    }

    public let kind: Kind
    public let detail: String

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    static func invalidKey(_ detail: String) -> LedgerError { LedgerError(.invalidKey, detail) }
    static func invalidSignature(_ detail: String) -> LedgerError { LedgerError(.invalidSignature, detail) }
    static func invalidInput(_ detail: String) -> LedgerError { LedgerError(.invalidInput, detail) }
    static func cryptoFailure(_ detail: String) -> LedgerError { LedgerError(.cryptoFailure, detail) }

    public var description: String { "\(kind): \(detail)" }
}

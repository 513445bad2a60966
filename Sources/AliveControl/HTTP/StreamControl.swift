/// The stream operations the page and the API offer (`POST /api/v1/stream/configure`,
/// `POST /api/v1/stream/end`), given by the executable: the same code as `alived stream
/// configure|end`, so the control plane carries no ledger code of its own.
public struct StreamControl: Sendable {
    /// What the ledger took: network, transaction id, block (when known).
    public struct Outcome: Sendable, Encodable {
        public var network: String
        public var transactionID: String
        public var block: Int64?

        public init(network: String, transactionID: String, block: Int64?) {
            self.network = network
            self.transactionID = transactionID
            self.block = block
        }
    }

    /// Why an operation did not happen; the message is shown to the technician as is
    /// (it never carries a key).
    public struct Failure: Error, Sendable {
        public enum Kind: Sendable {
            /// The configuration cannot do it (no ledger, Avalon has no end, wrong key).
            case refused
            /// No node answered, or the transaction did not land in time.
            case unavailable
        }

        public var kind: Kind
        public var message: String

        public init(_ kind: Kind, _ message: String) {
            self.kind = kind
            self.message = message
        }
    }

    public var configure: @Sendable () async throws -> Outcome
    public var end: @Sendable () async throws -> Outcome

    public init(configure: @escaping @Sendable () async throws -> Outcome, end: @escaping @Sendable () async throws -> Outcome) {
        self.configure = configure
        self.end = end
    }
}

/// Checks a ledger key handed to `PUT /api/v1/secrets` and derives the public key the API
/// shows instead of it. Given by the executable (it knows AliveLedger and the chain's
/// key prefix), so the control plane carries no key code of its own.
public struct LedgerKeyInspector: Sendable {
    /// What a key is.
    public enum Inspection: Sendable, Equatable {
        /// Usable; the public key to show (nil when the secret has none, e.g. AliveDB's).
        case valid(publicKey: String?)
        /// Not usable: why, in words that never repeat the value.
        case invalid(String)
    }

    /// The secrets this inspector knows, by their name in the secrets file.
    public let names: [String]
    private let inspect: @Sendable (_ name: String, _ value: String) -> Inspection

    public init(names: [String], inspect: @escaping @Sendable (_ name: String, _ value: String) -> Inspection) {
        self.names = names
        self.inspect = inspect
    }

    public func inspect(_ name: String, _ value: String) -> Inspection { inspect(name, value) }
}

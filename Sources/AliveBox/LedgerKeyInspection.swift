import AliveControl
import AliveLedger

extension LedgerKeyInspector {
    /// The ledger keys of the secrets file as AlivePublish reads them: `posting_key` (Hive
    /// WIF, public key shown with `hivePrefix`, the chain's), `avalon_key` (base58), `alivedb_key`.
    static func ledgerKeys(hivePrefix: String) -> LedgerKeyInspector {
        LedgerKeyInspector(names: ["posting_key", "avalon_key", "alivedb_key"]) { name, value in
            switch name {
            case "posting_key":
                return derive("is not a Hive private key (WIF, 5…)") { try PrivateKey(hiveWIF: value).publicKey(context: $0).hiveString(prefix: hivePrefix) }
            case "avalon_key":
                return derive("is not an Avalon private key (base58)") { try PrivateKey(avalonBase58: value).publicKey(context: $0).avalonString }
            default:
                return (1...512).contains(value.utf8.count) ? .valid(publicKey: nil) : .invalid("must be 1-512 bytes")
            }
        }
    }

    /// A short-lived context: an API call now and then, not worth keeping one open.
    private static func derive(_ reason: String, _ body: (Secp256k1Context) throws -> String) -> Inspection {
        guard let context = try? Secp256k1Context() else { return .invalid("the key cannot be checked on this box") }
        defer { context.close() }
        guard let publicKey = try? body(context) else { return .invalid(reason) }
        return .valid(publicKey: publicKey)
    }
}

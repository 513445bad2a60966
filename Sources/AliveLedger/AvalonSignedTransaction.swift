import AliveEncoding

/// A signed Avalon transaction, ready for `POST <api>/transact`.
public struct AvalonSignedTransaction: Sendable, Equatable {
    /// Avalon accepts the signature alone, or a list of `[signature, recid]` pairs
    /// (the multisig form).
    public enum SignatureForm: Sendable {
        case single
        case list
    }

    public let transaction: AvalonTransaction
    /// Hex SHA-256 of the hashed text.
    public let hash: String
    public let signature: RecoverableSignature

    /// Base58 of the 64-byte compact r · s.
    public var signatureBase58: String { Base58.encode(signature.compact) }

    /// The request body: `{type, data, sender, ts, hash, signature}`.
    public func bodyText(form: SignatureForm = .list) throws -> String {
        var object = transaction.unsignedObject()
        object["hash"] = .string(hash)
        switch form {
        case .single: object["signature"] = .string(signatureBase58)
        case .list: object["signature"] = [[.string(signatureBase58), .integer(Int64(signature.recoveryID))]]
        }
        return try JSValue.object(object).jsonText()
    }
}

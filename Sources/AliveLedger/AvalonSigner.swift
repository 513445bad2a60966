/// Signs Avalon transactions with one account key.
public struct AvalonSigner: Sendable {
    public let publicKey: PublicKey
    private let key: PrivateKey
    private let context: Secp256k1Context

    public init(key: PrivateKey, context: Secp256k1Context) throws {
        self.key = key
        self.context = context
        publicKey = try key.publicKey(context: context)
    }

    /// Base58 public key, as in the account's `pub` or `keys[].pub`.
    public var publicKeyString: String { publicKey.avalonString }

    /// Plain RFC 6979 signature over the hash (no canonical loop: Avalon does not
    /// require one, and the vectors are made this way).
    public func sign(_ transaction: AvalonTransaction) throws -> AvalonSignedTransaction {
        let digest = try transaction.hash()
        let signature = try context.signRecoverable(digest: digest, secret: key.secret)
        return AvalonSignedTransaction(transaction: transaction, hash: Hex.encode(digest), signature: signature)
    }
}

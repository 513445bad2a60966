import Crypto

/// Signs Hive transactions and messages with one key (the streamer's posting key)
/// for one chain.
public struct HiveSigner: Sendable {
    public let chain: HiveChain
    public let publicKey: PublicKey
    private let key: PrivateKey
    private let context: Secp256k1Context

    public init(key: PrivateKey, chain: HiveChain, context: Secp256k1Context) throws {
        self.key = key
        self.chain = chain
        self.context = context
        publicKey = try key.publicKey(context: context)
    }

    /// `STM…` / `TST…`: compare with the account's posting `key_auths`.
    public var publicKeyString: String { publicKey.hiveString(prefix: chain.publicKeyPrefix) }

    public func sign(_ transaction: HiveTransaction) throws -> HiveSignedTransaction {
        let signature = try HiveSignature.signCanonical(digest: transaction.digest(chain: chain), key: key, context: context)
        return HiveSignedTransaction(transaction: transaction, signatures: [signature])
    }

    /// Signature (65-byte hex) over SHA-256 of the UTF-8 message, as AliveDB's
    /// `/getToken` expects.
    public func signMessage(_ message: String) throws -> HiveSignature {
        try HiveSignature.signCanonical(digest: Array(SHA256.hash(data: Array(message.utf8))), key: key, context: context)
    }
}

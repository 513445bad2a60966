/// A secp256k1 public key, kept as its 33-byte compressed point. Text forms: Hive
/// `STM…`/`TST…` (`PublicKey+Hive.swift`) and Avalon base58 (`PublicKey+Avalon.swift`).
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    public let compressed: [UInt8]

    public init(compressed: [UInt8]) throws {
        guard Secp256k1Context.isValidCompressedPublicKey(compressed) else {
            throw LedgerError.invalidKey("public key must be a 33-byte compressed secp256k1 point")
        }
        self.compressed = compressed
    }

    public var description: String { Hex.encode(compressed) }
}

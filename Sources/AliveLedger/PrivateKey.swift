/// A secp256k1 private key (32-byte scalar). Its text forms are Hive WIF
/// (`PrivateKey+Hive.swift`) and Avalon base58 (`PrivateKey+Avalon.swift`).
/// It never prints itself: `description` is redacted so a log line cannot leak it.
public struct PrivateKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let secret: [UInt8]

    public init(rawSecret: [UInt8]) throws {
        guard Secp256k1Context.isValidSecret(rawSecret) else {
            throw LedgerError.invalidKey("private key must be a 32-byte secp256k1 scalar")
        }
        secret = rawSecret
    }

    public func publicKey(context: Secp256k1Context) throws -> PublicKey {
        try PublicKey(compressed: context.compressedPublicKey(secret: secret))
    }

    public var description: String { "PrivateKey(<redacted>)" }
    public var debugDescription: String { description }
}

/// Hive's signature format and canonical signing rule.
///
/// Wire form: 65 bytes, hex — header `27 + 4 + recid` (compressed key), then r, then s.
public struct HiveSignature: Sendable, Hashable {
    public let recoverable: RecoverableSignature

    init(_ recoverable: RecoverableSignature) { self.recoverable = recoverable }

    public init(hex: String) throws {
        let bytes: [UInt8]
        do { bytes = try Hex.decode(hex, what: "signature") } catch {
            throw LedgerError.invalidSignature("signature is not hexadecimal")
        }
        guard bytes.count == 65 else { throw LedgerError.invalidSignature("Hive signature must be 65 bytes, got \(bytes.count)") }
        guard (31...34).contains(bytes[0]) else {
            throw LedgerError.invalidSignature("Hive signature header must be 31…34 (compressed key), got \(bytes[0])")
        }
        recoverable = try RecoverableSignature(compact: Array(bytes[1...]), recoveryID: Int(bytes[0]) - 31)
    }

    public var bytes: [UInt8] { [UInt8(31 + recoverable.recoveryID)] + recoverable.compact }
    public var hex: String { Hex.encode(bytes) }

    /// The public key that made this signature over `digest`.
    public func recoverPublicKey(digest: [UInt8], context: Secp256k1Context) throws -> PublicKey {
        try context.recoverPublicKey(digest: digest, signature: recoverable)
    }

    /// The older Graphene ("fc") canonical rule many tools still insist on: the first
    /// byte of r and of s below 0x80, and neither starting with a zero byte followed
    /// by a byte below 0x80 (no needless padding in DER).
    public static func isFCCanonical(_ compact: [UInt8]) -> Bool {
        guard compact.count == 64 else { return false }
        return compact[0] & 0x80 == 0
            && !(compact[0] == 0 && compact[1] & 0x80 == 0)
            && compact[32] & 0x80 == 0
            && !(compact[32] == 0 && compact[33] & 0x80 == 0)
    }

    /// Attempts before giving up; each fails with probability about 1/2, so reaching
    /// the bound means something is broken, not bad luck.
    static let maximumSigningAttempts: UInt64 = 256

    /// Signs the way HIVE.md fixes it (and hive-nectar does): RFC 6979 with no extra
    /// entropy first; while the result is not fc-canonical, sign again with extra
    /// nonce data = a 32-byte big-endian counter 1, 2, 3 … Deterministic, so the same
    /// transaction always gets the same signature.
    static func signCanonical(digest: [UInt8], key: PrivateKey, context: Secp256k1Context) throws -> HiveSignature {
        var counter: UInt64 = 0
        while counter < maximumSigningAttempts {
            var nonceData: [UInt8]?
            if counter > 0 {
                var data = [UInt8](repeating: 0, count: 32)
                for i in 0..<8 { data[31 - i] = UInt8(truncatingIfNeeded: counter >> UInt64(8 * i)) }
                nonceData = data
            }
            let signature = try context.signRecoverable(digest: digest, secret: key.secret, nonceData: nonceData)
            if isFCCanonical(signature.compact) { return HiveSignature(signature) }
            counter += 1
        }
        throw LedgerError.cryptoFailure("no canonical signature after \(maximumSigningAttempts) attempts")
    }
}

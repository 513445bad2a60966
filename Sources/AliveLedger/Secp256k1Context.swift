import CSecp256k1
import Synchronization

/// The libsecp256k1 context: the only type that touches the C library. One per
/// process is enough; it is safe to share between tasks.
///
/// libsecp256k1 functions take a `const` context and may run on several threads at
/// once; the mutex is there so that `close()` can never free the context under a
/// running call (signing is a few tens of microseconds, so holding it is cheap).
public final class Secp256k1Context: Sendable {
    /// The raw context pointer. @unchecked Sendable: after `secp256k1_context_randomize`
    /// in init, libsecp256k1 only reads the context (its API takes it `const`), so
    /// using it from several threads is safe; freeing it is serialized by the mutex.
    private struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let context: Mutex<Handle?>

    public init() throws {
        guard let created = secp256k1_context_create(csecp256k1_context_none) else {
            throw LedgerError.cryptoFailure("secp256k1_context_create failed")
        }
        // Blinding against timing side channels while signing (libsecp256k1's advice).
        var seed = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in seed.indices { seed[i] = generator.next() }
        guard secp256k1_context_randomize(created, seed) == 1 else {
            secp256k1_context_destroy(created)
            throw LedgerError.cryptoFailure("secp256k1_context_randomize failed")
        }
        context = Mutex(Handle(pointer: created))
    }

    /// Frees the context. Later calls throw `cryptoFailure`; calling twice is harmless.
    public func close() {
        context.withLock { handle in
            if let open = handle { secp256k1_context_destroy(open.pointer) }
            handle = nil
        }
    }

    deinit {
        context.withLock { handle in
            assert(handle == nil, "Secp256k1Context released without close()")
            if let open = handle { secp256k1_context_destroy(open.pointer) }
        }
    }

    private func withContext<T: Sendable>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let result: Result<T, any Error> = context.withLock { handle in
            guard let open = handle else {
                return .failure(LedgerError.cryptoFailure("secp256k1 context used after close()"))
            }
            return Result { try body(open.pointer) }
        }
        return try result.get()
    }

    // MARK: keys

    /// True when `secret` is 32 bytes and a valid scalar (0 < secret < n).
    static func isValidSecret(_ secret: [UInt8]) -> Bool {
        secret.count == 32 && secp256k1_ec_seckey_verify(csecp256k1_static_context(), secret) == 1
    }

    /// True when `bytes` is a 33-byte compressed point on the curve.
    static func isValidCompressedPublicKey(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 33, bytes[0] == 2 || bytes[0] == 3 else { return false }
        var parsed = secp256k1_pubkey()
        return secp256k1_ec_pubkey_parse(csecp256k1_static_context(), &parsed, bytes, 33) == 1
    }

    /// The 33-byte compressed public key of a valid secret.
    func compressedPublicKey(secret: [UInt8]) throws -> [UInt8] {
        guard Self.isValidSecret(secret) else { throw LedgerError.invalidKey("private key is not a valid secp256k1 scalar") }
        return try withContext { ctx in
            var pubkey = secp256k1_pubkey()
            guard secp256k1_ec_pubkey_create(ctx, &pubkey, secret) == 1 else {
                throw LedgerError.cryptoFailure("secp256k1_ec_pubkey_create failed")
            }
            return try Self.serializeCompressed(pubkey)
        }
    }

    // MARK: signatures

    /// Compact recoverable ECDSA over a 32-byte digest with the RFC 6979 nonce;
    /// `nonceData` (32 bytes) is the extra entropy libsecp256k1 mixes into it.
    /// libsecp256k1 always returns a low-S signature.
    func signRecoverable(digest: [UInt8], secret: [UInt8], nonceData: [UInt8]? = nil) throws -> RecoverableSignature {
        guard digest.count == 32 else { throw LedgerError.invalidInput("digest must be 32 bytes") }
        guard Self.isValidSecret(secret) else { throw LedgerError.invalidKey("private key is not a valid secp256k1 scalar") }
        if let nonceData, nonceData.count != 32 { throw LedgerError.invalidInput("nonce data must be 32 bytes") }
        return try withContext { ctx in
            var signature = secp256k1_ecdsa_recoverable_signature()
            let signed: Int32 = if let nonceData {
                nonceData.withUnsafeBytes { ndata in
                    secp256k1_ecdsa_sign_recoverable(ctx, &signature, digest, secret, nil, ndata.baseAddress)
                }
            } else {
                secp256k1_ecdsa_sign_recoverable(ctx, &signature, digest, secret, nil, nil)
            }
            guard signed == 1 else { throw LedgerError.cryptoFailure("secp256k1_ecdsa_sign_recoverable failed") }
            var compact = [UInt8](repeating: 0, count: 64)
            var recoveryID: Int32 = 0
            guard secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, &compact, &recoveryID, &signature) == 1 else {
                throw LedgerError.cryptoFailure("secp256k1_ecdsa_recoverable_signature_serialize_compact failed")
            }
            return try RecoverableSignature(compact: compact, recoveryID: Int(recoveryID))
        }
    }

    /// Plain compact recoverable signature of a 32-byte digest with `key` (RFC 6979
    /// nonce, plus `nonceData` as extra entropy when given). Hive signing goes
    /// through `HiveSigner`, which adds the canonical loop.
    public func signRecoverable(digest: [UInt8], key: PrivateKey, nonceData: [UInt8]? = nil) throws -> RecoverableSignature {
        try signRecoverable(digest: digest, secret: key.secret, nonceData: nonceData)
    }

    /// The compressed public key that produced `signature` over `digest`.
    public func recoverPublicKey(digest: [UInt8], signature: RecoverableSignature) throws -> PublicKey {
        guard digest.count == 32 else { throw LedgerError.invalidInput("digest must be 32 bytes") }
        let bytes = try withContext { ctx in
            var parsed = secp256k1_ecdsa_recoverable_signature()
            guard secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, signature.compact, Int32(signature.recoveryID)) == 1 else {
                throw LedgerError.invalidSignature("signature does not parse (r or s out of range)")
            }
            var pubkey = secp256k1_pubkey()
            guard secp256k1_ecdsa_recover(ctx, &pubkey, &parsed, digest) == 1 else {
                throw LedgerError.invalidSignature("no public key recovers from this signature")
            }
            return try Self.serializeCompressed(pubkey)
        }
        return try PublicKey(compressed: bytes)
    }

    /// Plain ECDSA verification (low-S required, as Hive nodes require it).
    public func verify(digest: [UInt8], compactSignature: [UInt8], publicKey: PublicKey) throws -> Bool {
        guard digest.count == 32, compactSignature.count == 64 else { return false }
        return try withContext { ctx in
            var signature = secp256k1_ecdsa_signature()
            guard secp256k1_ecdsa_signature_parse_compact(ctx, &signature, compactSignature) == 1 else { return false }
            var pubkey = secp256k1_pubkey()
            guard secp256k1_ec_pubkey_parse(ctx, &pubkey, publicKey.compressed, 33) == 1 else { return false }
            return secp256k1_ecdsa_verify(ctx, &signature, digest, &pubkey) == 1
        }
    }

    private static func serializeCompressed(_ pubkey: secp256k1_pubkey) throws -> [UInt8] {
        var pubkey = pubkey
        var out = [UInt8](repeating: 0, count: 33)
        var length = 33
        guard secp256k1_ec_pubkey_serialize(csecp256k1_static_context(), &out, &length, &pubkey, csecp256k1_ec_compressed) == 1,
              length == 33
        else { throw LedgerError.cryptoFailure("secp256k1_ec_pubkey_serialize failed") }
        return out
    }
}

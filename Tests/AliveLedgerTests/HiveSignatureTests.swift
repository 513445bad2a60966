import Crypto
import Testing
@testable import AliveLedger

@Suite struct HiveSignatureTests {
    @Test(arguments: LedgerVectors.hive.indices)
    func canonicalLoopReproducesTheVectorsByteForByte(index: Int) throws {
        let vector = LedgerVectors.hive[index]
        try Fixture.withContext { context in
            let signer = try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
            let signed = try signer.sign(HiveTransactionTests.vectorTransaction(vector))
            #expect(signed.signatures.map(\.hex) == [vector.sigCanonicalLoop])
            #expect(signed.id == vector.txid)
        }
    }

    /// The first attempt (no extra entropy) is plain RFC 6979: the vectors' no-loop
    /// signature, which fails the fc rule, so the loop had to run.
    @Test(arguments: LedgerVectors.hive.indices)
    func firstAttemptIsPlainRFC6979(index: Int) throws {
        let vector = LedgerVectors.hive[index]
        try Fixture.withContext { context in
            let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
            let plain = try context.signRecoverable(digest: Fixture.bytes(vector.digestHex), key: key)
            #expect(HiveSignature(plain).hex == vector.sigNoLoop)
            #expect(HiveSignature.isFCCanonical(plain.compact) == vector.noLoopIsCanonical)
            #expect(HiveSignature.isFCCanonical(try HiveSignature(hex: vector.sigCanonicalLoop).recoverable.compact))
        }
    }

    /// Signatures other tools make (dhive's loop, beem's random nonce) are different
    /// bytes but recover to the same key: recovery is checked against all of them.
    @Test(arguments: LedgerVectors.hive.indices)
    func everyVectorSignatureRecoversToTheVectorKey(index: Int) throws {
        let vector = LedgerVectors.hive[index]
        try Fixture.withContext { context in
            let digest = Fixture.bytes(vector.digestHex)
            for hex in [vector.sigNoLoop, vector.sigCanonicalLoop, vector.sigDhiveLoop, vector.sigBeemRandom] {
                let signature = try HiveSignature(hex: hex)
                #expect(signature.hex == hex)
                let recovered = try signature.recoverPublicKey(digest: digest, context: context)
                #expect(recovered.hiveString(prefix: "STM") == LedgerVectors.publicKey)
                #expect(try context.verify(digest: digest, compactSignature: signature.recoverable.compact, publicKey: recovered))
            }
        }
    }

    @Test func fcCanonicalRule() {
        var compact = [UInt8](repeating: 0x11, count: 64)
        #expect(HiveSignature.isFCCanonical(compact))
        compact[0] = 0x80
        #expect(!HiveSignature.isFCCanonical(compact))
        compact[0] = 0x00; compact[1] = 0x7F  // needless zero padding of r
        #expect(!HiveSignature.isFCCanonical(compact))
        compact[1] = 0x80  // zero byte needed before a high byte: fine
        #expect(HiveSignature.isFCCanonical(compact))
        compact[32] = 0x90
        #expect(!HiveSignature.isFCCanonical(compact))
        compact[32] = 0x00; compact[33] = 0x10
        #expect(!HiveSignature.isFCCanonical(compact))
    }

    @Test func manySignaturesAreCanonicalLowSAndVerify() throws {
        try Fixture.withContext { context in
            let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
            let publicKey = try key.publicKey(context: context)
            let halfOrder = Fixture.bytes("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")
            for i in 0..<200 {
                let digest = Array(SHA256.hash(data: Array("message \(i)".utf8)))
                let signature = try HiveSignature.signCanonical(digest: digest, key: key, context: context)
                #expect(HiveSignature.isFCCanonical(signature.recoverable.compact))
                let s = Array(signature.recoverable.compact[32...])
                #expect(s.lexicographicallyPrecedes(halfOrder) || s == halfOrder)
                #expect(try signature.recoverPublicKey(digest: digest, context: context) == publicKey)
                #expect(try context.verify(digest: digest, compactSignature: signature.recoverable.compact, publicKey: publicKey))
                // Deterministic: the same digest always gives the same signature.
                #expect(try HiveSignature.signCanonical(digest: digest, key: key, context: context) == signature)
            }
        }
    }

    @Test func verifyRejectsAnotherDigest() throws {
        try Fixture.withContext { context in
            let vector = LedgerVectors.hive[0]
            let signature = try HiveSignature(hex: vector.sigCanonicalLoop)
            let publicKey = try PublicKey(hiveString: LedgerVectors.publicKey, prefix: "STM")
            #expect(!(try context.verify(
                digest: Fixture.bytes(LedgerVectors.hive[1].digestHex), compactSignature: signature.recoverable.compact,
                publicKey: publicKey)))
            let other = try signature.recoverPublicKey(digest: Fixture.bytes(LedgerVectors.hive[1].digestHex), context: context)
            #expect(other != publicKey)
        }
    }

    @Test(arguments: [
        "", "zz", String(repeating: "1f", count: 64),
        "23" + String(repeating: "11", count: 64),  // header 35: not a compressed-key signature
        "1b" + String(repeating: "11", count: 64),  // header 27: uncompressed key form
    ])
    func refusesMalformedSignatures(hex: String) {
        let error = #expect(throws: LedgerError.self) { try HiveSignature(hex: hex) }
        #expect(error?.kind == .invalidSignature)
    }

    @Test func contextRefusesUseAfterClose() throws {
        let context = try Secp256k1Context()
        context.close()
        context.close()
        let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
        let error = #expect(throws: LedgerError.self) { try key.publicKey(context: context) }
        #expect(error?.kind == .cryptoFailure)
    }
}

import AliveEncoding
import Testing
@testable import AliveLedger

@Suite struct PublicKeyTests {
    @Test func parsesAndPrintsTheVectorKey() throws {
        let key = try PublicKey(hiveString: LedgerVectors.publicKey, prefix: "STM")
        #expect(Hex.encode(key.compressed) == LedgerVectors.publicKeyHex)
        #expect(key.hiveString(prefix: "STM") == LedgerVectors.publicKey)
    }

    @Test func testnetPrefixChangesOnlyThePrefix() throws {
        let key = try PublicKey(hiveString: LedgerVectors.publicKey, prefix: "STM")
        let testnet = key.hiveString(prefix: "TST")
        #expect(testnet == "TST" + LedgerVectors.publicKey.dropFirst(3))
        #expect(try PublicKey(hiveString: testnet, prefix: "TST") == key)
    }

    @Test func refusesAnotherPrefix() {
        let error = #expect(throws: LedgerError.self) { try PublicKey(hiveString: LedgerVectors.publicKey, prefix: "TST") }
        #expect(error?.kind == .invalidKey)
    }

    @Test func refusesABrokenChecksum() throws {
        let key = try PublicKey(hiveString: LedgerVectors.publicKey, prefix: "STM")
        var payload = key.compressed + RIPEMD160.hash(key.compressed).prefix(4)
        payload[36] ^= 1
        let error = #expect(throws: LedgerError.self) {
            try PublicKey(hiveString: "STM" + Base58.encode(payload), prefix: "STM")
        }
        #expect(error?.detail.contains("checksum") == true)
    }

    @Test func refusesPointsNotOnTheCurve() {
        // x = 5 has no point on secp256k1 (5³ + 7 = 132 is not a square mod p).
        var notOnCurve = [UInt8](repeating: 0, count: 33)
        notOnCurve[0] = 2
        notOnCurve[32] = 5
        #expect(throws: LedgerError.self) { try PublicKey(compressed: notOnCurve) }
        #expect(throws: LedgerError.self) { try PublicKey(compressed: [4] + [UInt8](repeating: 1, count: 32)) }
    }

    @Test func avalonFormIsPlainBase58OfThePoint() throws {
        for vector in LedgerVectors.avalon {
            let key = try PublicKey(avalonString: vector.pub)
            #expect(key.avalonString == vector.pub)
            #expect(Hex.encode(key.compressed) == LedgerVectors.publicKeyHex)
        }
    }
}

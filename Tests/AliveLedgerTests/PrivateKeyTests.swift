import Testing
@testable import AliveLedger

@Suite struct PrivateKeyTests {
    @Test func parsesTheVectorWIF() throws {
        let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
        #expect(key.secret == Fixture.bytes(LedgerVectors.secretHex))
        #expect(key.hiveWIF == LedgerVectors.wif)
    }

    @Test func toleratesSurroundingWhitespaceFromASecretsFile() throws {
        let key = try PrivateKey(hiveWIF: "  " + LedgerVectors.wif + "\n")
        #expect(key.secret == Fixture.bytes(LedgerVectors.secretHex))
    }

    @Test func derivesTheVectorPublicKey() throws {
        try Fixture.withContext { context in
            let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
            let publicKey = try key.publicKey(context: context)
            #expect(Hex.encode(publicKey.compressed) == LedgerVectors.publicKeyHex)
            #expect(publicKey.hiveString(prefix: "STM") == LedgerVectors.publicKey)
        }
    }

    @Test func avalonKeyOfTheVectorsIsTheSameSecret() throws {
        try Fixture.withContext { context in
            for vector in LedgerVectors.avalon {
                let key = try PrivateKey(avalonBase58: vector.priv)
                #expect(key.avalonBase58 == vector.priv)
                #expect(try key.publicKey(context: context).avalonString == vector.pub)
            }
        }
    }

    @Test func neverPrintsTheSecret() throws {
        let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
        for text in [String(describing: key), String(reflecting: key), "\(key)"] {
            #expect(!text.contains(LedgerVectors.wif))
            #expect(!text.contains(LedgerVectors.secretHex))
            #expect(text.contains("redacted"))
        }
    }

    @Test func wrongChecksumIsRefusedWithoutEchoingTheKey() throws {
        // Change one character in the middle: base58 stays valid, the checksum breaks.
        var chars = Array(LedgerVectors.wif)
        chars[20] = chars[20] == "a" ? "b" : "a"
        let typo = String(chars)
        let error = #expect(throws: LedgerError.self) { try PrivateKey(hiveWIF: typo) }
        #expect(error?.kind == .invalidKey)
        #expect(error?.detail.contains("checksum") == true)
        #expect(error.map { !$0.description.contains(typo) } == true)
    }

    @Test(arguments: [
        "",
        "not a key",
        "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUE",  // one character short
        "STM5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs",  // a public key
        "HjyiGtmGgu11EmiYgY5PAUiKhwUha4qcExct2zGQiW7y",  // an Avalon key
    ])
    func refusesWhatIsNotAWIF(text: String) {
        let error = #expect(throws: LedgerError.self) { try PrivateKey(hiveWIF: text) }
        #expect(error?.kind == .invalidKey)
    }

    @Test func refusesScalarsOutsideTheCurveOrder() {
        #expect(throws: LedgerError.self) { try PrivateKey(rawSecret: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: LedgerError.self) { try PrivateKey(rawSecret: [UInt8](repeating: 0xFF, count: 32)) }
        #expect(throws: LedgerError.self) { try PrivateKey(rawSecret: [UInt8](repeating: 1, count: 31)) }
        // n itself is invalid, n − 1 is the largest valid scalar.
        let n = Fixture.bytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
        #expect(throws: LedgerError.self) { try PrivateKey(rawSecret: n) }
        var nMinusOne = n
        nMinusOne[31] -= 1
        #expect(throws: Never.self) { try PrivateKey(rawSecret: nMinusOne) }
    }
}

import Testing
@testable import AliveLedger

@Suite struct HiveTransactionTests {
    static func vectorTransaction(_ vector: LedgerVectors.HiveCase) throws -> HiveTransaction {
        try HiveTransaction(
            refBlockNum: vector.refBlockNum, refBlockPrefix: vector.refBlockPrefix,
            expiration: HiveTimestamp.parse(vector.expiration),
            operations: [HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: vector.json)])
    }

    @Test(arguments: LedgerVectors.hive.indices)
    func serializationDigestAndIdMatchTheVectors(index: Int) throws {
        let vector = LedgerVectors.hive[index]
        let transaction = try Self.vectorTransaction(vector)
        #expect(Hex.encode(transaction.serialized()) == vector.serializedHex)
        #expect(Hex.encode(transaction.digest(chain: .mainnet)) == vector.digestHex)
        #expect(transaction.id == vector.txid)
    }

    @Test func configuredChainIdChangesTheDigestOnly() throws {
        let vector = LedgerVectors.hive[0]
        let transaction = try Self.vectorTransaction(vector)
        let mainnetAgain = try HiveChain(chainIDHex: LedgerVectors.chainIDHex, publicKeyPrefix: "STM")
        #expect(mainnetAgain == .mainnet)
        #expect(Hex.encode(transaction.digest(chain: mainnetAgain)) == vector.digestHex)
        let testnet = try HiveChain(
            chainIDHex: "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e", publicKeyPrefix: "TST")
        #expect(Hex.encode(transaction.digest(chain: testnet)) != vector.digestHex)
        #expect(transaction.id == vector.txid)
    }

    @Test func referencesTheHeadBlockAndExpiresOnChainTime() throws {
        // V1 is exactly "head block at 2024-01-01T00:00:00, expire 30 s later".
        let head = try Fixture.vectorHead()
        let vector = LedgerVectors.hive[0]
        let transaction = try HiveTransaction(
            referencing: head, expiresAfter: 30,
            operations: [HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: vector.json)])
        #expect(Hex.encode(transaction.serialized()) == vector.serializedHex)
        // V2 expires at the one-hour limit minus one second.
        let late = try HiveTransaction(
            referencing: head, expiresAfter: 3_599,
            operations: [HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: LedgerVectors.hive[1].json)])
        #expect(Hex.encode(late.serialized()) == LedgerVectors.hive[1].serializedHex)
    }

    @Test(arguments: [UInt32(0), 3_601, 100_000])
    func refusesExpirationOutsideTheHour(delay: UInt32) throws {
        let head = try Fixture.vectorHead()
        let operation = try HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: "{}")
        #expect(throws: LedgerError.self) { try HiveTransaction(referencing: head, expiresAfter: delay, operations: [operation]) }
    }

    @Test func refusesAnEmptyTransaction() {
        #expect(throws: LedgerError.self) { try HiveTransaction(refBlockNum: 1, refBlockPrefix: 2, expiration: 3, operations: []) }
    }

    @Test func varintLengthsAcrossBoundaries() {
        for (value, expected) in [(UInt64(0), "00"), (127, "7f"), (128, "8001"), (159, "9f01"), (16_383, "ff7f"), (16_384, "808001")] {
            var writer = HiveBinaryWriter()
            writer.appendVarint(value)
            #expect(Hex.encode(writer.bytes) == expected)
        }
    }
}

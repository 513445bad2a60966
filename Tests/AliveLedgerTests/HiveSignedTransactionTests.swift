import Foundation
import Testing
@testable import AliveLedger

@Suite struct HiveSignedTransactionTests {
    @Test(arguments: LedgerVectors.hive.indices)
    func broadcastBodyIsTheVectorRPCBody(index: Int) throws {
        let vector = LedgerVectors.hive[index]
        try Fixture.withContext { context in
            let signer = try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
            let signed = try signer.sign(HiveTransactionTests.vectorTransaction(vector))
            #expect(try signed.broadcastRequestBody() == vector.rpcBody)
            // params[0] alone is the transaction JSON.
            let text = try signed.jsonText()
            #expect(vector.rpcBody.contains(text))
            #expect(text.hasPrefix(#"{"ref_block_num":"#) && text.hasSuffix(#""]}"#))
        }
    }

    @Test func synchronousMethodAndRequestId() throws {
        try Fixture.withContext { context in
            let signer = try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
            let signed = try signer.sign(HiveTransactionTests.vectorTransaction(LedgerVectors.hive[0]))
            let body = try signed.broadcastRequestBody(method: "condenser_api.broadcast_transaction_synchronous", requestID: 42)
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(object?["method"] as? String == "condenser_api.broadcast_transaction_synchronous")
            #expect(object?["id"] as? Int == 42)
        }
    }

    @Test func signerPublicKeyStringFollowsTheChainPrefix() throws {
        try Fixture.withContext { context in
            let key = try PrivateKey(hiveWIF: LedgerVectors.wif)
            #expect(try HiveSigner(key: key, chain: .mainnet, context: context).publicKeyString == LedgerVectors.publicKey)
            let testnet = try HiveChain(chainIDHex: String(repeating: "ab", count: 32), publicKeyPrefix: "TST")
            #expect(try HiveSigner(key: key, chain: testnet, context: context).publicKeyString.hasPrefix("TST5fFfdG4ek63"))
        }
    }

    @Test(arguments: [("beef", "STM"), (String(repeating: "00", count: 32), "stm"), (String(repeating: "00", count: 32), "")])
    func refusesBadChainSettings(id: String, prefix: String) {
        #expect(throws: LedgerError.self) { try HiveChain(chainIDHex: id, publicKeyPrefix: prefix) }
    }
}

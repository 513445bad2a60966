import Crypto
import Testing
@testable import AliveLedger

@Suite struct AliveDBLoginMessageTests {
    @Test func messageHashAndSignatureMatchTheVector() throws {
        let login = try AliveDBLoginMessage(streamer: "alice", link: "stream1", authID: "alivedb_login", head: Fixture.vectorHead())
        #expect(login.text == LedgerVectors.SignedMessage.message)
        #expect(Hex.encode(SHA256.hash(data: Array(login.text.utf8))) == LedgerVectors.SignedMessage.sha256Hex)
        try Fixture.withContext { context in
            let signer = try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
            let body = try login.tokenRequestBody(signer: signer)
            #expect(body == LedgerVectors.SignedMessage.message + ":" + LedgerVectors.SignedMessage.signature)
            #expect(body.split(separator: ":").count == 7)
        }
    }

    /// The documentation example was signed with a testnet key we do not have: its
    /// signature must recover to the documented TST public key.
    @Test func documentationExampleRecoversToItsTestnetKey() throws {
        try Fixture.withContext { context in
            let digest = Array(SHA256.hash(data: Array(LedgerVectors.SignedMessage.docMessage.utf8)))
            let signature = try HiveSignature(hex: LedgerVectors.SignedMessage.docSignature)
            let key = try signature.recoverPublicKey(digest: digest, context: context)
            #expect(key.hiveString(prefix: "TST") == LedgerVectors.SignedMessage.docPublicKey)
        }
    }

    @Test(arguments: ["", "a:b", "line\nbreak"])
    func refusesAuthIdsThatWouldBreakTheMessage(authID: String) throws {
        let head = try Fixture.vectorHead()
        #expect(throws: LedgerError.self) { try AliveDBLoginMessage(streamer: "alice", link: "stream1", authID: authID, head: head) }
    }

    @Test func refusesBadStreamerAndLink() throws {
        let head = try Fixture.vectorHead()
        #expect(throws: LedgerError.self) { try AliveDBLoginMessage(streamer: "Alice", link: "stream1", authID: "x", head: head) }
        #expect(throws: LedgerError.self) { try AliveDBLoginMessage(streamer: "alice", link: "a:b", authID: "x", head: head) }
    }
}

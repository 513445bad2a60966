import Testing
@testable import AliveLedger

@Suite struct AvalonTransactionTests {
    let pub = "T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s"
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"

    func vectorTransactions() throws -> [AvalonTransaction] {
        [
            try .playlistJSON(sender: "alice", link: "stream1", json: ["live": true, "pub": .string(pub), "l2": "gundb"], ts: 1_704_067_200_000),
            try .playlistPush(sender: "alice", link: "stream1", seq: 0, content: .chunk(src: cid), ts: 1_704_067_200_000),
        ]
    }

    @Test func hashedTextHashSignatureAndBodiesMatchTheVectors() throws {
        try Fixture.withContext { context in
            let signer = try AvalonSigner(key: PrivateKey(avalonBase58: LedgerVectors.avalon[0].priv), context: context)
            for (transaction, vector) in zip(try vectorTransactions(), LedgerVectors.avalon) {
                #expect(signer.publicKeyString == vector.pub)
                #expect(try transaction.hashedText() == vector.hashedString)
                #expect(Hex.encode(try transaction.hash()) == vector.hash)
                let signed = try signer.sign(transaction)
                #expect(signed.hash == vector.hash)
                #expect(signed.signatureBase58 == vector.signature)
                #expect(signed.signature.recoveryID == vector.recid)
                #expect(try signed.bodyText(form: .single) == vector.bodySingle)
                #expect(try signed.bodyText(form: .list) == vector.bodyMultisig)
            }
        }
    }

    @Test func singleSegmentContentIsHashCommaLen() throws {
        let transaction = try AvalonTransaction.playlistPush(
            sender: "alice", link: "stream1", seq: 3, content: .segment(src: cid, duration: 4.0), ts: 1_704_067_200_000)
        #expect(try transaction.hashedText().contains(#""seq":[[3,"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o,4"]]"#))
        let fractional = try AvalonTransaction.playlistPush(
            sender: "alice", link: "stream1", seq: 3, content: .segment(src: cid, duration: 6.0066), ts: 1_704_067_200_000)
        #expect(try fractional.hashedText().contains(#",6.007"]]"#))
    }

    @Test func singleSegmentAfterABreakIsHashCommaLenCommaD() throws {
        let transaction = try AvalonTransaction.playlistPush(
            sender: "alice", link: "stream1", seq: 4, content: .segment(src: cid, duration: 4.0, discontinuity: true),
            ts: 1_704_067_200_000)
        #expect(try transaction.hashedText().contains(#""seq":[[4,"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o,4,d"]]"#))
    }

    @Test func limits() {
        #expect(throws: LedgerError.self) {
            try AvalonTransaction.playlistPush(sender: "alice", link: "s", seq: 10_001, content: .chunk(src: "Qm"), ts: 1)
        }
        #expect(throws: LedgerError.self) { try AvalonTransaction.playlistJSON(sender: "alice", link: "ab", json: [:], ts: 1) }
        #expect(throws: LedgerError.self) { try AvalonTransaction.playlistJSON(sender: "Alice", link: "abc", json: [:], ts: 1) }
        #expect(throws: LedgerError.self) { try AvalonTransaction.playlistJSON(sender: "alice-", link: "abc", json: [:], ts: 1) }
        #expect(throws: LedgerError.self) { try AvalonTransaction.playlistJSON(sender: "alice", link: "abc", json: [:], ts: 0) }
        #expect(throws: Never.self) { try AvalonTransaction.playlistJSON(sender: "a.b-c9", link: "abc", json: [:], ts: 1) }
    }
}

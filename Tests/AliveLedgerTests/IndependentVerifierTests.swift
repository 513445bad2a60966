import AliveTestSupport
import Crypto
import Foundation
import Testing
@testable import AliveLedger

/// Our signatures checked by libraries that share no code with ours
/// (Tests/Support/ledger_verify.py: hive-nectar, coincurve, base58 from PyPI), over
/// many random keys, chains, head blocks and payloads.
@Suite struct IndependentVerifierTests {
    @Test func hiveNectarAndCoincurveAcceptWhatWeSign() throws {
        var hive: [[String: Any]] = []
        var messages: [[String: Any]] = []
        var avalon: [[String: Any]] = []
        var generator = SystemRandomNumberGenerator()
        let testnet = try HiveChain(
            chainIDHex: "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e", publicKeyPrefix: "TST")

        try Fixture.withContext { context in
            for i in 0..<40 {
                let key = try PrivateKey(rawSecret: Array(SHA256.hash(data: Array("independent key \(i)".utf8))))
                let chain = i % 4 == 3 ? testnet : HiveChain.mainnet
                let signer = try HiveSigner(key: key, chain: chain, context: context)
                let number = UInt32.random(in: 1_000_000...90_000_000, using: &generator)
                var id = [UInt8]((0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) })
                id[0] = UInt8(number >> 24); id[1] = UInt8(truncatingIfNeeded: number >> 16)
                id[2] = UInt8(truncatingIfNeeded: number >> 8); id[3] = UInt8(truncatingIfNeeded: number)
                let head = try HiveDynamicGlobalProperties(
                    headBlockNumber: number, headBlockIDHex: Hex.encode(id),
                    time: HiveTimestamp.format(UInt32.random(in: 1_600_000_000...1_900_000_000, using: &generator)))
                let link = "link\(i)_x-\(UInt16.random(in: 0...9_999, using: &generator))"
                let operation: AliveOperation = switch i % 4 {
                case 0: .push(seq: UInt64(i), link: link, content: .chunk(src: "QmChunk\(i)"))
                case 1: .push(seq: UInt64(i), link: link, content: .segment(src: "QmSeg\(i)", duration: Double.random(in: 0.5..<11, using: &generator)))
                case 2: .configure(link: link, options: AliveStreamOptions(alivedbPub: "pub/\(i)+é", gateway: "https://gw.example/ipfs/"))
                default: .end(link: link)
                }
                let transaction = try HiveTransaction(
                    referencing: head, expiresAfter: UInt32.random(in: 1...3_600, using: &generator),
                    operations: [operation.customJSON(streamer: "alice\(i % 10)-x")])
                let signed = try signer.sign(transaction)
                hive.append([
                    "chain_id": chain.chainIDHex, "prefix": chain.publicKeyPrefix, "tx_json": try signed.jsonText(),
                    "serialized_hex": Hex.encode(transaction.serialized()), "txid": signed.id, "pubkey": signer.publicKeyString,
                ])

                let login = try AliveDBLoginMessage(streamer: "alice", link: link, authID: "auth-\(i)", head: head)
                messages.append([
                    "message": login.text, "signature": try signer.signMessage(login.text).hex,
                    "pubkey": signer.publicKeyString, "prefix": chain.publicKeyPrefix,
                ])

                let avalonSigner = try AvalonSigner(key: key, context: context)
                let avalonTransaction = try i % 2 == 0
                    ? AvalonTransaction.playlistPush(
                        sender: "alice", link: link, seq: UInt64(i),
                        content: .segment(src: "QmSeg\(i)", duration: Double(i) + 0.25), ts: 1_704_067_200_000 + Int64(i))
                    : AvalonTransaction.playlistJSON(
                        sender: "alice", link: link, json: ["live": true, "pub": .string("pub/\(i)")], ts: 1_704_067_200_000 + Int64(i))
                avalon.append(["body": try avalonSigner.sign(avalonTransaction).bodyText(form: .list), "pub": avalonSigner.publicKeyString])
            }
        }

        let request = try JSONSerialization.data(withJSONObject: ["hive": hive, "messages": messages, "avalon": avalon])
        let output = try ExternalProgram.run(
            ExternalProgram.python, [ExternalProgram.supportScript("ledger_verify.py")],
            input: String(decoding: request, as: UTF8.self), timeout: .seconds(120))
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("FAIL") }.isEmpty, "\(lines.filter { $0.hasPrefix("FAIL") })")
        #expect(lines.last == "120 passed, 0 failed")
    }

    /// The verifier is not a rubber stamp: a signature by another key, a changed
    /// byte and a wrong chain id must all be refused.
    @Test func verifierRefusesWrongSignatures() throws {
        let vector = LedgerVectors.hive[0]
        let txJSON = try Fixture.withContext { context in
            try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
                .sign(HiveTransactionTests.vectorTransaction(vector)).jsonText()
        }
        func hiveCase(_ json: String, chain: String = LedgerVectors.chainIDHex, pubkey: String = LedgerVectors.publicKey) -> [String: Any] {
            ["chain_id": chain, "prefix": "STM", "tx_json": json, "serialized_hex": vector.serializedHex, "txid": vector.txid, "pubkey": pubkey]
        }
        let otherKey = try Fixture.withContext { context in
            try PrivateKey(rawSecret: [UInt8](repeating: 7, count: 32)).publicKey(context: context).hiveString(prefix: "STM")
        }
        let request = try JSONSerialization.data(withJSONObject: [
            "hive": [
                hiveCase(txJSON),
                hiveCase(txJSON, pubkey: otherKey),
                hiveCase(txJSON, chain: String(repeating: "0", count: 64)),
                hiveCase(txJSON.replacingOccurrences(of: #""ref_block_num":5484"#, with: #""ref_block_num":5485"#)),
                hiveCase(txJSON.replacingOccurrences(of: vector.sigCanonicalLoop, with: vector.sigNoLoop)),
            ],
            "messages": [[
                "message": LedgerVectors.SignedMessage.message + "x", "signature": LedgerVectors.SignedMessage.signature,
                "pubkey": LedgerVectors.publicKey, "prefix": "STM",
            ]],
            "avalon": [[
                "body": LedgerVectors.avalon[1].bodyMultisig.replacingOccurrences(of: #""seq":[[0,"#, with: #""seq":[[1,"#),
                "pub": LedgerVectors.avalon[1].pub,
            ]],
        ])
        let thrown = #expect(throws: ExternalProcess.Failure.self) {
            try ExternalProgram.run(
                ExternalProgram.python, [ExternalProgram.supportScript("ledger_verify.py")],
                input: String(decoding: request, as: UTF8.self), timeout: .seconds(120))
        }
        let report = thrown?.description ?? ""
        #expect(report.contains("ok hive 0"))
        for failing in ["FAIL hive 1", "FAIL hive 2", "FAIL hive 3", "FAIL hive 4", "FAIL messages 0", "FAIL avalon 0"] {
            #expect(report.contains(failing), "\(failing) missing in \(report)")
        }
        #expect(report.contains("1 passed, 6 failed"))
    }
}

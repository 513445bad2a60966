import AliveLedger
import Foundation

/// Prints the signing cost of one Hive transaction (build op 0 payload, serialize,
/// digest, canonical signing loop, JSON body, id) and of one Avalon push, next to a
/// reference measured in the same run: one plain libsecp256k1 recoverable signature
/// of a 32-byte digest. Usage: ledger-bench [transactions, default 2000]
@main
struct LedgerBench {
    static func main() throws {
        let count = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2_000 : 2_000
        let context = try Secp256k1Context()
        defer { context.close() }
        // A made-up key (the vectors' test key), not an account.
        let key = try PrivateKey(hiveWIF: "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP")
        let hive = try HiveSigner(key: key, chain: .mainnet, context: context)
        let avalon = try AvalonSigner(key: key, context: context)
        let head = try HiveDynamicGlobalProperties(
            headBlockNumber: 76_092_780, headBlockIDHex: "0489156ce51562088e21cf7aee70bbdf6832965d", time: "2024-01-01T00:00:00")

        // Reference: one plain RFC 6979 signature of a 32-byte digest (no payload,
        // no serialization, no canonical loop).
        let digests = (0..<count).map { i in (0..<32).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) } }
        let referenceTime = try measure(count) { i in
            _ = try context.signRecoverable(digest: digests[i], key: key)
        }
        let hiveTime = try measure(count) { i in
            let operation = AliveOperation.push(
                seq: UInt64(i % 17_000), link: "stream1",
                content: .segment(src: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", duration: 10.033))
            let transaction = try HiveTransaction(
                referencing: head, expiresAfter: 600, operations: [operation.customJSON(streamer: "alice")])
            let signed = try hive.sign(transaction)
            _ = try signed.jsonText()
            _ = signed.id
        }
        let avalonTime = try measure(count) { i in
            let transaction = try AvalonTransaction.playlistPush(
                sender: "alice", link: "stream1", seq: UInt64(i % 10_000),
                content: .chunk(src: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"), ts: 1_704_067_200_000 + Int64(i))
            _ = try avalon.sign(transaction).bodyText()
        }
        print("transactions: \(count)")
        print(String(format: "hive custom_json sign (payload+serialize+digest+canonical loop+json+id): %.1f µs/tx", hiveTime))
        print(String(format: "avalon type-26 sign (js-exact json+hash+sign+body): %.1f µs/tx", avalonTime))
        print(String(format: "reference: one libsecp256k1 recoverable signature: %.1f µs/op", referenceTime))
        print(String(format: "ratio hive/reference: %.2f, avalon/reference: %.2f", hiveTime / referenceTime, avalonTime / referenceTime))
    }

    /// Mean microseconds per call over `count` calls.
    static func measure(_ count: Int, _ body: (Int) throws -> Void) throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for i in 0..<count { try body(i) }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds * 1e6 / Double(count)
    }
}

import Foundation
import Testing
@testable import AliveLedger

@Suite struct AliveOperationTests {
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"

    @Test func pushOfAChunk() throws {
        let text = try AliveOperation.push(seq: 0, link: "stream1", content: .chunk(src: cid)).jsonText()
        #expect(text == #"{"op":0,"seq":0,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"}"#)
    }

    @Test func pushOfASingleSegmentCarriesLenRoundedToThreeDecimals() throws {
        let text = try AliveOperation.push(seq: 1, link: "stream1", content: .segment(src: cid, duration: 10.0333333)).jsonText()
        #expect(text == #"{"op":0,"seq":1,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","len":10.033}"#)
    }

    /// alived's extension (AliveDiscontinuity): a marked single segment gets `"disc":1`
    /// after `len`; an unmarked one is byte for byte what it was.
    @Test func aSingleSegmentAfterABreakCarriesTheMarkAfterLen() throws {
        let text = try AliveOperation.push(
            seq: 7, link: "stream1", content: .segment(src: cid, duration: 2.5, discontinuity: true)).jsonText()
        #expect(text == #"{"op":0,"seq":7,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","len":2.5,"disc":1}"#)
        let plain = try AliveOperation.push(
            seq: 7, link: "stream1", content: .segment(src: cid, duration: 2.5, discontinuity: false)).jsonText()
        #expect(!plain.contains("disc"))
    }

    /// The vectors' V1 json was printed by Python (`10.0`); JavaScript, like the
    /// reference daemon, prints `10`. Both are the same JSON number; the signed bytes
    /// are whatever string we put in `json`, and V1's bytes are checked elsewhere.
    @Test func wholeSecondsPrintTheJavaScriptWay() throws {
        let text = try AliveOperation.push(seq: 0, link: "stream1", content: .segment(src: cid, duration: 10.0)).jsonText()
        #expect(text == LedgerVectors.hive[0].json.replacingOccurrences(of: "10.0}", with: "10}"))
    }

    @Test func renditionsUseTheKeysConsumersRead() throws {
        let text = try AliveOperation.push(
            seq: 5, link: "stream1", content: .chunk(src: cid), renditions: AliveRenditions(p240: "Qm240", p720: "Qm720")
        ).jsonText()
        // Integer-like keys first, as JSON.stringify orders them.
        #expect(text == #"{"240":"Qm240","720":"Qm720","op":0,"seq":5,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"}"#)
    }

    @Test func endStream() throws {
        #expect(try AliveOperation.end(link: "stream1").jsonText() == #"{"op":1,"link":"stream1"}"#)
    }

    @Test func configureStreamInALIVEmdOrder() throws {
        let pub = "T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s"
        let text = try AliveOperation.configure(
            link: "stream1", options: AliveStreamOptions(alivedbPub: pub, gateway: "https://ipfs.io")
        ).jsonText()
        #expect(text == #"{"op":2,"link":"stream1","pub":"\#(pub)","gw":"https://ipfs.io"}"#)
        let all = try AliveOperation.configure(
            link: "s", options: AliveStreamOptions(alivedbPub: "p", gateway: "g", storage: .skynet, l2: "gundb")
        ).jsonText()
        #expect(all == #"{"op":2,"link":"s","pub":"p","gw":"g","storage":"skynet","l2":"gundb"}"#)
        #expect(try AliveOperation.configure(link: "s", options: AliveStreamOptions()).jsonText() == #"{"op":2,"link":"s"}"#)
    }

    @Test func customJSONDefaultsToAliveTestAndThePostingAuthority() throws {
        let operation = try AliveOperation.end(link: "stream1").customJSON(streamer: "alice")
        #expect(operation.id == "alive-test")
        #expect(operation.requiredAuths.isEmpty)
        #expect(operation.requiredPostingAuths == ["alice"])
        #expect(try AliveOperation.end(link: "stream1").customJSON(streamer: "alice", id: "alive").id == "alive")
    }

    /// The whole path from payload to vector bytes: V1's operation, signed.
    @Test func vectorV2PayloadSignsToTheVector() throws {
        let vector = LedgerVectors.hive[1]
        let operation = try HiveCustomJSON(requiredPostingAuths: ["alice"], id: AliveOperation.defaultCustomJSONID, json: vector.json)
        let transaction = try HiveTransaction(referencing: Fixture.vectorHead(), expiresAfter: 3_599, operations: [operation])
        try Fixture.withContext { context in
            let signer = try HiveSigner(key: PrivateKey(hiveWIF: LedgerVectors.wif), chain: .mainnet, context: context)
            #expect(try signer.sign(transaction).signatures.map(\.hex) == [vector.sigCanonicalLoop])
        }
    }

    @Test(arguments: [0.0, -1.0, 100.0, 99.9996, 0.0004, Double.nan, Double.infinity])
    func refusesDurationsConsumersRefuse(duration: Double) {
        #expect(throws: LedgerError.self) {
            try AliveOperation.push(seq: 0, link: "stream1", content: .segment(src: "Qm", duration: duration)).jsonText()
        }
    }

    @Test func durationBoundsAfterRounding() throws {
        #expect(try AliveSegmentDuration.rounded(0.0005) == 0.001)
        #expect(try AliveSegmentDuration.rounded(99.9994) == 99.999)
        #expect(try AliveSegmentDuration.rounded(10.0333333) == 10.033)
        #expect(try AliveSegmentDuration.rounded(2.0625) == 2.063)  // exact half: away from zero
    }

    @Test(arguments: ["", String(repeating: "a", count: 51), "stream 1", "stream/1", "strëam"])
    func refusesBadLinks(link: String) {
        #expect(throws: LedgerError.self) { try AliveOperation.end(link: link).jsonText() }
    }

    @Test(arguments: ["", "Qm/../x", "Qm\"", String(repeating: "Q", count: 101)])
    func refusesBadHashes(src: String) {
        #expect(throws: LedgerError.self) { try AliveOperation.push(seq: 0, link: "s", content: .chunk(src: src)).jsonText() }
    }

    @Test func seqIsCappedWhereConsumersStop() {
        #expect(throws: Never.self) { try AliveOperation.push(seq: 17_279, link: "s", content: .chunk(src: "Qm")).jsonText() }
        #expect(throws: LedgerError.self) { try AliveOperation.push(seq: 17_280, link: "s", content: .chunk(src: "Qm")).jsonText() }
    }
}

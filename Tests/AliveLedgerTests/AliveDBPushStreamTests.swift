import Testing
@testable import AliveLedger

@Suite struct AliveDBPushStreamTests {
    @Test func bodyAsALIVEmdShowsIt() throws {
        let push = try AliveDBPushStream(streamer: "alice", link: "stream1", src: "QmSeg", duration: 4.00049)
        #expect(try push.jsonText() == #"{"network":"hive","streamer":"alice","link":"stream1","stream":{"src":"QmSeg","len":4}}"#)
    }

    @Test func renditionsSitBesideSrc() throws {
        let push = try AliveDBPushStream(
            streamer: "alice", link: "stream1", src: "QmSeg", duration: 2.5, renditions: AliveRenditions(p480: "Qm480"))
        #expect(try push.jsonText() == #"{"network":"hive","streamer":"alice","link":"stream1","stream":{"480":"Qm480","src":"QmSeg","len":2.5}}"#)
    }

    @Test func refusesBadFields() {
        #expect(throws: LedgerError.self) { try AliveDBPushStream(streamer: "Alice", link: "s", src: "Qm", duration: 2) }
        #expect(throws: LedgerError.self) { try AliveDBPushStream(streamer: "alice", link: "s", src: "", duration: 2) }
        #expect(throws: LedgerError.self) { try AliveDBPushStream(streamer: "alice", link: "s", src: "Qm", duration: 100) }
        #expect(throws: LedgerError.self) { try AliveDBPushStream(network: "a:b", streamer: "alice", link: "s", src: "Qm", duration: 2) }
    }
}

import Testing
@testable import AliveLedger

@Suite struct HiveCustomJSONTests {
    @Test func acceptsTheVectorOperation() throws {
        let operation = try HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: LedgerVectors.hive[0].json)
        #expect(operation.requiredAuths.isEmpty)
        #expect(operation.requiredPostingAuths == ["alice"])
    }

    @Test func idLimitIs32Bytes() throws {
        #expect(throws: Never.self) {
            try HiveCustomJSON(requiredPostingAuths: ["alice"], id: String(repeating: "a", count: 32), json: "{}")
        }
        #expect(throws: LedgerError.self) {
            try HiveCustomJSON(requiredPostingAuths: ["alice"], id: String(repeating: "a", count: 33), json: "{}")
        }
        #expect(throws: LedgerError.self) { try HiveCustomJSON(requiredPostingAuths: ["alice"], id: "", json: "{}") }
    }

    @Test func refusesRawControlCharactersInJSON() {
        #expect(throws: LedgerError.self) { try HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: "{\"a\":\"\n\"}") }
        #expect(throws: LedgerError.self) { try HiveCustomJSON(requiredPostingAuths: ["alice"], id: "alive-test", json: "") }
    }

    @Test func needsAnAuthority() {
        #expect(throws: LedgerError.self) { try HiveCustomJSON(requiredPostingAuths: [], id: "alive-test", json: "{}") }
    }

    @Test(arguments: ["alice", "bob-1", "abc.def", "a1b", "alice.bob-c1", "aliveprotocol"])
    func validAccounts(name: String) {
        #expect(throws: Never.self) { try HiveCustomJSON(requiredPostingAuths: [name], id: "x", json: "{}") }
    }

    @Test(arguments: ["al", "Alice", "1alice", "alice-", "ab.cd", "alice..bob", "a_b_c", "averyveryverylongname", "alice bob", ".abc"])
    func invalidAccounts(name: String) {
        #expect(throws: LedgerError.self) { try HiveCustomJSON(requiredPostingAuths: [name], id: "x", json: "{}") }
    }
}

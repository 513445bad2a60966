import Testing
@testable import AliveLedger

@Suite struct JSValueTests {
    @Test func keepsInsertionOrderAndPrintsCompactly() throws {
        let value: JSValue = ["type": 26, "data": ["link": "stream1", "seq": [[0, "Qm"]]], "sender": "alice", "ts": 1_704_067_200_000]
        #expect(try value.jsonText() == #"{"type":26,"data":{"link":"stream1","seq":[[0,"Qm"]]},"sender":"alice","ts":1704067200000}"#)
    }

    @Test func doesNotEscapeSlashesOrNonASCII() throws {
        let value: JSValue = ["gw": "https://ipfs.io/ipfs/", "note": "café ☕ 𝄞"]
        #expect(try value.jsonText() == #"{"gw":"https://ipfs.io/ipfs/","note":"café ☕ 𝄞"}"#)
    }

    @Test func escapesQuotesBackslashesAndControlCharactersTheJSWay() throws {
        let value: JSValue = .string("a\"b\\c\n\r\t\u{08}\u{0C}\u{00}\u{1F}\u{7F}")
        #expect(try value.jsonText() == #""a\"b\\c\n\r\t\b\f\u0000\u001f\#u{7F}""#)
    }

    @Test func integerLikeKeysComeFirstAscendingAsInJavaScript() throws {
        var object: JSObject = ["op": 0, "1080": "d", "link": "x", "240": "a", "01": "not an index", "4294967295": "not an index"]
        object["480"] = "b"
        #expect(
            try JSValue.object(object).jsonText()
                == #"{"240":"a","480":"b","1080":"d","op":0,"link":"x","01":"not an index","4294967295":"not an index"}"#)
    }

    @Test func settingAnExistingKeyKeepsItsPlace() throws {
        var object: JSObject = ["a": 1, "b": 2]
        object["a"] = 3
        object["c"] = nil
        #expect(try JSValue.object(object).jsonText() == #"{"a":3,"b":2}"#)
        object["a"] = nil
        #expect(try JSValue.object(object).jsonText() == #"{"b":2}"#)
    }

    @Test func literalsAndNull() throws {
        let value: JSValue = [nil, true, false, 1.5, -0.0, 10.0, [], [:]]
        #expect(try value.jsonText() == "[null,true,false,1.5,0,10,[],{}]")
    }

    @Test func refusesWhatJavaScriptWouldChange() {
        #expect(throws: LedgerError.self) { try JSValue.number(.nan).jsonText() }
        #expect(throws: LedgerError.self) { try JSValue.number(.infinity).jsonText() }
        #expect(throws: LedgerError.self) { try JSValue.integer(9_007_199_254_740_992).jsonText() }
        #expect(throws: Never.self) { try JSValue.integer(-9_007_199_254_740_991).jsonText() }
    }

    /// node is the reference: for objects exercising every rule, node's
    /// JSON.stringify(JSON.parse(ours)) must give back our text unchanged.
    @Test func nodeReprintsOurTextUnchanged() throws {
        let samples: [JSValue] = [
            ["op": 0, "seq": 17, "link": "stream1", "src": "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "len": 10.033, "240": "Qm1", "1080": "Qm2"],
            ["text": .string("quote\" back\\ slash/ nl\n tab\t nul\u{00} us\u{1F} del\u{7F} é 𝄞 \u{2028}\u{2029}")],
            ["numbers": [0.1, 1e21, 1e-7, 123456789012345680000.0, .number(.leastNonzeroMagnitude), 1.7976931348623157e308, -2.5, 0.000001, 100.0]],
            ["nested": [["a": [1, [2, [3]]], "b": nil], true, false]],
        ]
        let input = try samples.map { try $0.jsonText() }.joined(separator: "\n")
        let output = try ExternalProgram.run(
            ExternalProgram.node, [ExternalProgram.supportScript("js_reprint.js")], input: input, timeout: .seconds(20))
        #expect(output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) == input.split(separator: "\n").map(String.init))
    }
}

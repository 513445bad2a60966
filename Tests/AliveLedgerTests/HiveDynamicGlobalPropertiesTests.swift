import Foundation
import Testing
@testable import AliveLedger

@Suite struct HiveDynamicGlobalPropertiesTests {
    @Test func referenceBlockOfTheVectorHead() throws {
        let head = try Fixture.vectorHead()
        for vector in LedgerVectors.hive.prefix(2) {
            #expect(head.refBlockNum == vector.refBlockNum)
            #expect(head.refBlockPrefix == vector.refBlockPrefix)
        }
        #expect(head.time == 1_704_067_200)
    }

    @Test func decodesTheNodeAnswerAndIgnoresOtherFields() throws {
        let json = """
            {"id":0,"head_block_number":76092780,"head_block_id":"0489156ce51562088e21cf7aee70bbdf6832965d",
             "time":"2024-01-01T00:00:00","current_witness":"someone","total_vesting_shares":"1.000000 VESTS"}
            """
        let head = try JSONDecoder().decode(HiveDynamicGlobalProperties.self, from: Data(json.utf8))
        #expect(head == (try Fixture.vectorHead()))
        #expect(head.headBlockIDHex == "0489156ce51562088e21cf7aee70bbdf6832965d")
    }

    @Test func refusesABlockIdOfAnotherBlock() {
        let error = #expect(throws: LedgerError.self) {
            try HiveDynamicGlobalProperties(
                headBlockNumber: 76_092_781, headBlockIDHex: "0489156ce51562088e21cf7aee70bbdf6832965d",
                time: "2024-01-01T00:00:00")
        }
        #expect(error?.kind == .invalidInput)
    }

    @Test(arguments: ["0489156c", "0489156ce51562088e21cf7aee70bbdf6832965dzz", "0489156ce51562088e21cf7aee70bbdf6832965"])
    func refusesMalformedIds(id: String) {
        #expect(throws: LedgerError.self) {
            try HiveDynamicGlobalProperties(headBlockNumber: 76_092_780, headBlockIDHex: id, time: "2024-01-01T00:00:00")
        }
    }

    @Test func decodingABadAnswerFails() {
        let json = #"{"head_block_number":76092780,"head_block_id":"0489156ce51562088e21cf7aee70bbdf6832965d","time":"soon"}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(HiveDynamicGlobalProperties.self, from: Data(json.utf8)) }
    }
}

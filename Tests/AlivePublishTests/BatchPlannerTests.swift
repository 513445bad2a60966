@testable import AliveJournal
import Testing
@testable import AlivePublish

@Suite struct BatchPlannerTests {
    private func segments(_ count: Int, from first: Int = 0) -> [JournalSegment] {
        (first..<(first + count)).map {
            JournalSegment(sequence: Int64($0), cid: fakeCID($0), duration: 10.0 + Double($0 % 7) / 100,
                           discontinuity: false, pushedToAliveDB: false, ledgerSeq: nil)
        }
    }

    @Test func intervalZeroPushesEachSegmentAlone() throws {
        let plan = try BatchPlanner.plan(segments(3), eachAlone: true)
        #expect(plan.map(\.segments.count) == [1, 1, 1])
        #expect(plan.allSatisfy { $0.chunk == nil })
    }

    @Test func aBatchOfOneIsASingleSegment() throws {
        let plan = try BatchPlanner.plan(segments(1), eachAlone: false)
        #expect(plan.count == 1 && plan[0].chunk == nil)
    }

    @Test func aBatchBecomesChunksUnder4200BytesInOrder() throws {
        // 46-char CIDv0 + "," + "10.0x" + "\n": about 54 bytes a line, so 77 fit.
        let batch = segments(160)
        let plan = try BatchPlanner.plan(batch, eachAlone: false)
        #expect(plan.flatMap(\.segments) == batch, "every segment once, in order")
        #expect(plan.count == 3)
        for push in plan.dropLast() {
            let chunk = try #require(push.chunk)
            #expect(chunk.bytes.count <= 4200)
            #expect(chunk.text.split(separator: "\n").count == push.segments.count)
        }
        let first = try #require(plan[0].chunk)
        #expect(first.text.hasPrefix("\(fakeCID(0)),10\n\(fakeCID(1)),10.01\n"))
        #expect(!first.text.hasSuffix("\n"))
    }

    @Test func aSplitLeavingOneSegmentPushesItAlone() throws {
        let fitting = try BatchPlanner.plan(segments(200), eachAlone: false)[0].segments.count
        let plan = try BatchPlanner.plan(segments(fitting + 1), eachAlone: false)
        #expect(plan.map(\.segments.count) == [fitting, 1])
        #expect(plan[0].chunk != nil && plan[1].chunk == nil)
    }
}

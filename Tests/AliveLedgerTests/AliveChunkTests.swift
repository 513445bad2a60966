import Testing
@testable import AliveLedger

@Suite struct AliveChunkTests {
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"

    @Test func linesOfHashCommaLenWithoutTrailingNewline() throws {
        let chunk = try AliveChunk(entries: [
            .init(src: cid, duration: 10.0), .init(src: "QmB", duration: 2.0333333), .init(src: "QmC", duration: 0.5),
        ])
        #expect(String(decoding: chunk.bytes, as: UTF8.self) == "\(cid),10\nQmB,2.033\nQmC,0.5")
        #expect(chunk.entryCount == 3)
    }

    @Test func splitsLongBatchesAtTheConsumerLimit() throws {
        let entries = [AliveChunk.Entry](repeating: AliveChunk.Entry(src: cid, duration: 2.002), count: 200)
        // 46 + 1 + 5 = 52 bytes per line, plus a newline between lines.
        let fitting = try AliveChunk.segmentsFitting(entries)
        #expect(fitting == (AliveChunk.maximumByteCount + 1) / 53)
        let chunk = try AliveChunk(entries: Array(entries.prefix(fitting)))
        #expect(chunk.bytes.count <= AliveChunk.maximumByteCount)
        #expect(chunk.bytes.count + 53 > AliveChunk.maximumByteCount)
        #expect(throws: LedgerError.self) { try AliveChunk(entries: Array(entries.prefix(fitting + 1))) }
        #expect(try AliveChunk.segmentsFitting(Array(entries.prefix(3))) == 3)
    }

    @Test func refusesEmptyAndInvalidEntries() {
        #expect(throws: LedgerError.self) { try AliveChunk(entries: []) }
        #expect(throws: LedgerError.self) { try AliveChunk(entries: [.init(src: "Qm,x", duration: 2)]) }
        #expect(throws: LedgerError.self) { try AliveChunk(entries: [.init(src: cid, duration: 0)]) }
    }
}

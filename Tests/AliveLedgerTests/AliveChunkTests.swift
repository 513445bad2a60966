import Testing
@testable import AliveLedger

@Suite struct AliveChunkTests {
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"

    @Test func linesOfHashCommaLenWithoutTrailingNewlineAndLenRoundedLikeTheReference() throws {
        let chunk = try AliveChunk(entries: [
            .init(src: cid, duration: 10.0333333), .init(src: cid, duration: 4.0), .init(src: cid, duration: 2.5),
            .init(src: cid, duration: 1.0005), .init(src: "QmB", duration: 0.0004 + 0.02),
        ])
        #expect(chunk.text == "\(cid),10.033\n\(cid),4\n\(cid),2.5\n\(cid),1.001\nQmB,0.02")
        #expect(chunk.bytes.last != UInt8(ascii: "\n"))
        #expect(chunk.entries.count == 5)
    }

    /// alived's discontinuity mark: a third field that HAlive, which reads the first two
    /// fields of each line, skips; it counts towards the 4200 bytes like any other byte.
    @Test func aMarkedLineGetsAThirdFieldAndCountsTowardsTheLimit() throws {
        let marked = try AliveChunk(entries: [.init(src: cid, duration: 2), .init(src: cid, duration: 2.5, discontinuity: true)])
        #expect(marked.text == "\(cid),2\n\(cid),2.5,d")
        #expect(try AliveChunk.Entry(src: cid, duration: 2.5, discontinuity: true).line() == "\(cid),2.5,d")
        // 46 + ",2.002,d" = 54 bytes a line, 55 with the separator.
        let chunks = try AliveChunk.split((0..<100).map { _ in AliveChunk.Entry(src: cid, duration: 2.002, discontinuity: true) })
        #expect(chunks.first?.entries.count == (AliveChunk.maximumByteCount + 1) / 55)
        #expect(chunks.allSatisfy { $0.bytes.count <= AliveChunk.maximumByteCount })
    }

    @Test func batchesOverTheLimitAreSplitIntoFullChunks() throws {
        // 46-char hash + "," + "2.002" = 52 bytes per line, 53 with the separator.
        let entries = (0..<200).map { _ in AliveChunk.Entry(src: cid, duration: 2.002) }
        let chunks = try AliveChunk.split(entries)
        let perChunk = (AliveChunk.maximumByteCount + 1) / 53  // n lines take 53n - 1 bytes
        #expect(chunks.map(\.entries.count) == [perChunk, perChunk, 200 - 2 * perChunk])
        for chunk in chunks {
            #expect(chunk.bytes.count <= AliveChunk.maximumByteCount)
            #expect(!chunk.text.hasSuffix("\n"))
            #expect(try AliveChunk(entries: chunk.entries) == chunk, "a split's part is the chunk of its entries")
        }
        #expect(chunks.flatMap(\.entries) == entries)
        #expect(chunks[0].bytes.count == 53 * perChunk - 1)
        #expect(throws: LedgerError.self) { try AliveChunk(entries: Array(entries.prefix(perChunk + 1))) }
        #expect(try AliveChunk.split(Array(entries.prefix(3))).map(\.entries.count) == [3])
    }

    @Test func anExactlyFullChunkIsNotSplit() throws {
        let base = (0..<79).map { _ in AliveChunk.Entry(src: cid, duration: 2.002) }  // 79·53 - 1 = 4186
        // "\n" + hash + ",1" brings it to 4200 exactly.
        let filler = AliveChunk.Entry(src: String(repeating: "a", count: 4200 - 4186 - 3), duration: 1)
        let chunks = try AliveChunk.split(base + [filler])
        #expect(chunks.count == 1)
        #expect(chunks[0].bytes.count == 4200)
        #expect(try AliveChunk(entries: base + [filler]).bytes.count == 4200)
        // One byte more and the last line moves to a second chunk.
        let longer = AliveChunk.Entry(src: String(repeating: "a", count: 4200 - 4186 - 2), duration: 1)
        #expect(try AliveChunk.split(base + [longer]).map(\.entries.count) == [79, 1])
    }

    @Test func refusesEmptyAndInvalidEntries() throws {
        #expect(throws: LedgerError.self) { try AliveChunk(entries: []) }
        #expect(try AliveChunk.split([]).isEmpty)
        let invalid: [AliveChunk.Entry] = [
            .init(src: "", duration: 1), .init(src: "a,b", duration: 1), .init(src: "a\nb", duration: 1),
            .init(src: String(repeating: "a", count: 101), duration: 1),
            .init(src: cid, duration: 0), .init(src: cid, duration: 0.0004), .init(src: cid, duration: 100),
            .init(src: cid, duration: .nan), .init(src: cid, duration: -1),
        ]
        for entry in invalid {
            #expect(throws: LedgerError.self) { try entry.line() }
            #expect(throws: LedgerError.self) { try AliveChunk(entries: [.init(src: cid, duration: 1), entry]) }
            #expect(throws: LedgerError.self) { try AliveChunk.split([.init(src: cid, duration: 1), entry]) }
        }
    }
}

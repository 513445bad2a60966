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
    /// fields of each line, skips. A marked chunk gives EVERY line three fields (the
    /// others an empty one), so it stays a CSV a gateway types `text/csv`; the bytes
    /// count towards the 4200 like any other.
    @Test func aMarkedChunkGivesEveryLineAThirdFieldAndCountsTowardsTheLimit() throws {
        let marked = try AliveChunk(entries: [
            .init(src: cid, duration: 2), .init(src: cid, duration: 2.5, discontinuity: true), .init(src: cid, duration: 3),
        ])
        #expect(marked.text == "\(cid),2,\n\(cid),2.5,d\n\(cid),3,")
        #expect(Set(marked.text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).count }) == [3])
        #expect(try AliveChunk.Entry(src: cid, duration: 2.5, discontinuity: true).line() == "\(cid),2.5,d")
        // 46 + ",2.002,d" = 54 bytes a line, 55 with the separator.
        let groups = try AliveChunk.split((0..<100).map { _ in AliveChunk.Entry(src: cid, duration: 2.002, discontinuity: true) })
        #expect(groups.first?.count == (AliveChunk.maximumByteCount + 1) / 55)
        #expect(try groups.allSatisfy { try AliveChunk(entries: $0).bytes.count <= AliveChunk.maximumByteCount })
        // One mark among plain lines: each line is one byte longer (the third comma), the mark one more.
        var entries = (0..<100).map { _ in AliveChunk.Entry(src: cid, duration: 2.002) }
        entries[5] = AliveChunk.Entry(src: cid, duration: 2.002, discontinuity: true)
        let mixed = try AliveChunk.split(entries)
        let first = try AliveChunk(entries: mixed[0])
        #expect(mixed[0].count == (AliveChunk.maximumByteCount + 1 - 1) / 54, "n lines take 54n - 1 bytes, plus the d")
        #expect(first.bytes.count == 54 * mixed[0].count - 1 + 1)
        #expect(try AliveChunk(entries: mixed[1]).text == Array(repeating: "\(cid),2.002", count: mixed[1].count).joined(separator: "\n"),
                "the next chunk has no mark: two fields a line, as the protocol writes them")
    }

    @Test func aChunkHasAtLeastTwoLines() throws {
        // A gateway types a one-line file text/plain; a single segment is pushed alone instead.
        #expect(throws: LedgerError.self) { try AliveChunk(entries: [.init(src: cid, duration: 2)]) }
        #expect(try AliveChunk.split([.init(src: cid, duration: 2)]) == [[.init(src: cid, duration: 2)]])
    }

    @Test func batchesOverTheLimitAreSplitIntoFullChunks() throws {
        // 46-char hash + "," + "2.002" = 52 bytes per line, 53 with the separator.
        let entries = (0..<200).map { _ in AliveChunk.Entry(src: cid, duration: 2.002) }
        let chunks = try AliveChunk.split(entries).map { try AliveChunk(entries: $0) }
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
        #expect(try AliveChunk.split(Array(entries.prefix(3))).map(\.count) == [3])
    }

    @Test func anExactlyFullChunkIsNotSplit() throws {
        let base = (0..<79).map { _ in AliveChunk.Entry(src: cid, duration: 2.002) }  // 79·53 - 1 = 4186
        // "\n" + hash + ",1" brings it to 4200 exactly.
        let filler = AliveChunk.Entry(src: String(repeating: "a", count: 4200 - 4186 - 3), duration: 1)
        let groups = try AliveChunk.split(base + [filler])
        #expect(groups.count == 1)
        #expect(try AliveChunk(entries: groups[0]).bytes.count == 4200)
        #expect(try AliveChunk(entries: base + [filler]).bytes.count == 4200)
        // One byte more and the last line moves to a second chunk.
        let longer = AliveChunk.Entry(src: String(repeating: "a", count: 4200 - 4186 - 2), duration: 1)
        #expect(try AliveChunk.split(base + [longer]).map(\.count) == [79, 1])
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

import Testing
@testable import AliveStorage

@Suite struct ChunkFileTests {
    let hash = "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"

    @Test func linesAreJoinedWithoutTrailingNewlineAndLenRoundedLikeTheReference() throws {
        let files = try ChunkFile.build([
            ChunkEntry(hash: hash, duration: 10.0333333),
            ChunkEntry(hash: hash, duration: 4.0),
            ChunkEntry(hash: hash, duration: 2.5),
            ChunkEntry(hash: hash, duration: 1.0005),
            ChunkEntry(hash: hash, duration: 0.0004 + 0.02),
        ])
        #expect(files.count == 1)
        #expect(files[0].text == "\(hash),10.033\n\(hash),4\n\(hash),2.5\n\(hash),1.001\n\(hash),0.02")
        #expect(files[0].bytes.last != UInt8(ascii: "\n"))
        #expect(files[0].entries.count == 5)
    }

    /// alived's discontinuity mark: a third field that HAlive, which reads the first two
    /// fields of each line, skips; it counts towards the 4200 bytes like any other byte.
    @Test func aMarkedLineGetsAThirdFieldAndCountsTowardsTheLimit() throws {
        let marked = try ChunkFile.build([
            ChunkEntry(hash: hash, duration: 2), ChunkEntry(hash: hash, duration: 2.5, discontinuity: true),
        ])
        #expect(marked.map(\.text) == ["\(hash),2\n\(hash),2.5,d"])
        // 46 + ",2.002,d" = 54 bytes a line, 55 with the separator.
        let entries = (0..<100).map { _ in ChunkEntry(hash: hash, duration: 2.002, discontinuity: true) }
        let files = try ChunkFile.build(entries)
        #expect(files.first?.entries.count == (ChunkFile.maxBytes + 1) / 55)
        #expect(files.allSatisfy { $0.bytes.count <= ChunkFile.maxBytes })
    }

    @Test func batchesOverTheLimitAreSplitIntoFullFiles() throws {
        // 46-char hash + "," + "2.002" = 52 bytes per line, 53 with the separator.
        let entries = (0..<200).map { _ in ChunkEntry(hash: hash, duration: 2.002) }
        let files = try ChunkFile.build(entries)
        let perFile = (ChunkFile.maxBytes + 1) / 53  // n lines take 53n - 1 bytes
        #expect(files.map(\.entries.count) == [perFile, perFile, 200 - 2 * perFile])
        for file in files {
            #expect(file.bytes.count <= ChunkFile.maxBytes)
            #expect(!file.text.hasSuffix("\n"))
        }
        #expect(files.flatMap(\.entries) == entries)
        #expect(files[0].bytes.count == 53 * perFile - 1)
    }

    @Test func exactlyFullFileIsNotSplit() throws {
        // Lines of 52 bytes plus separators; pick hashes so the total is exactly 4200.
        let base = (0..<79).map { _ in ChunkEntry(hash: hash, duration: 2.002) }  // 79·53 - 1 = 4186
        // "\n" + hash + ",1" brings it to 4200 exactly.
        let filler = ChunkEntry(hash: String(repeating: "a", count: 4200 - 4186 - 3), duration: 1)
        let files = try ChunkFile.build(base + [filler])
        #expect(files.count == 1)
        #expect(files[0].bytes.count == 4200)
        // One byte more and the last line moves to a second file.
        let longer = ChunkEntry(hash: String(repeating: "a", count: 4200 - 4186 - 2), duration: 1)
        #expect(try ChunkFile.build(base + [longer]).map(\.entries.count) == [79, 1])
    }

    @Test func invalidEntriesAreRefused() throws {
        for entry in [ChunkEntry(hash: "", duration: 1), ChunkEntry(hash: "a,b", duration: 1), ChunkEntry(hash: "a\nb", duration: 1),
                      ChunkEntry(hash: hash, duration: 0), ChunkEntry(hash: hash, duration: 0.0004),
                      ChunkEntry(hash: hash, duration: 100), ChunkEntry(hash: hash, duration: .nan), ChunkEntry(hash: hash, duration: -1)] {
            let error = #expect(throws: StorageError.self) { try ChunkFile.build([ChunkEntry(hash: hash, duration: 1), entry]) }
            #expect(error?.code == .invalidChunkEntry)
        }
        #expect(try ChunkFile.build([]).isEmpty)
    }
}

@testable import alived
import Glibc
import Testing

@Suite struct MallocTuningTests {
    /// glibc marks a block that has its own mapping in its chunk header (IS_MMAPPED, 0x2,
    /// in the size word just before the pointer); such a block goes back to the system
    /// when it is freed.
    private func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        (block - MemoryLayout<Int>.size).load(as: Int.self) & 0x2 != 0
    }

    /// Without the fixed threshold, freeing the first 1 MiB block raises glibc's threshold
    /// above 1 MiB, and the next one comes from an arena, whose hole stays resident.
    @Test func largeBlocksKeepTheirOwnMappingAfterOneIsFreed() throws {
        #expect(MallocTuning.apply(environment: [:]) == ["arena_max=2", "mmap_threshold=131072"])
        for size in [1 << 20, 1 << 20, 3 << 19, 200 * 1024, 1 << 20] {
            let block = try #require(malloc(size))
            #expect(isMapped(block), "a block of \(size) bytes has its own mapping")
            free(block)
        }
        let small = try #require(malloc(64 * 1024))
        #expect(!isMapped(small), "a block under the threshold comes from an arena")
        free(small)
    }

    @Test func theOperatorsEnvironmentWins() {
        #expect(MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "65536"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "4"]) == ["mmap_threshold=131072"])
    }
}

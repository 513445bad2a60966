import AliveTestSupport
@testable import alived
import CMalloc
import Foundation
import Glibc
import Testing

@Suite struct MallocTuningTests {
    /// glibc marks a block that has its own mapping in its chunk header (IS_MMAPPED, 0x2,
    /// in the size word just before the pointer); such a block goes back to the system
    /// when it is freed.
    private func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
        (block - MemoryLayout<Int>.size).load(as: Int.self) & 0x2 != 0
    }

    /// Without the fixed threshold, freeing the first large block raises glibc's threshold
    /// to its size, and the next one of that size comes from an arena, whose hole stays
    /// resident. The blocks are larger than all the free memory the arenas hold (this
    /// process has run other tests): none can be served from a hole.
    @Test func largeBlocksKeepTheirOwnMappingAfterOneIsFreed() throws {
        #expect(MallocTuning.apply(environment: [:]) == ["arena_max=2", "mmap_threshold=131072"])
        let free = Int(mallinfo2().fordblks)
        for extra in [1 << 20, 1 << 20, 3 << 19, 1 << 20] {
            let size = free + extra
            let block = try #require(malloc(size))
            #expect(isMapped(block), "a block of \(size) bytes has its own mapping")
            Glibc.free(block)
        }
    }

    @Test func theOperatorsEnvironmentWins() {
        #expect(MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "65536"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "4"]) == ["mmap_threshold=131072"])
    }

    /// The running box, from outside: glibc's arenas besides the main one are 64 MiB-aligned
    /// anonymous read-write mappings (each heap is reserved aligned to its 64 MiB maximum).
    /// `alived run` has one; with an operator's `MALLOC_ARENA_MAX=8` it has several (its
    /// threads start and allocate at once), which shows the count is the setting's doing.
    @Test func theBoxRunsWithTwoArenasUnlessTheEnvironmentSaysOtherwise() async throws {
        func arenas(environment: [String: String]) async throws -> Int {
            let directory = temporaryDirectory("malloc")
            let httpPort = try freePort()
            let box = try ExternalProcess.start(AlivedCommandTests.binary, [
                "run", "--data-dir", directory.path, "--rtmp-port", "0", "--http-port", "\(httpPort)",
            ], environment: environment)
            defer { box.stop() }
            try await waitFor("healthz") { (try? await httpGet(port: httpPort, path: "/healthz"))?.status == 200 }
            let maps = try String(contentsOfFile: "/proc/\(box.process.processIdentifier)/maps", encoding: .utf8)
            return maps.split(separator: "\n").filter { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count == 5, fields[1].hasPrefix("rw"),
                      let start = UInt64(fields[0].split(separator: "-")[0], radix: 16) else { return false }
                return start % (64 << 20) == 0
            }.count
        }
        #expect(try await arenas(environment: [:]) <= 1)
        #expect(try await arenas(environment: ["MALLOC_ARENA_MAX": "8"]) >= 2)
    }
}

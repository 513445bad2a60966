import AliveTestSupport
@testable import alived
import Foundation
import Testing

@Suite struct MallocTuningTests {
    @Test func theOperatorsEnvironmentWins() {
        #expect(MallocTuning.apply(environment: ["MALLOC_ARENA_MAX": "4"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0:glibc.malloc.arena_max=4"]).isEmpty)
        #expect(MallocTuning.apply(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"]) == ["arena_max=1"])
    }

    /// The running box, from outside: glibc's arenas besides the main one are 64 MiB-aligned
    /// anonymous read-write mappings (each heap is reserved aligned to its 64 MiB maximum).
    /// `alived run` has none; with an operator's `MALLOC_ARENA_MAX=8` it has several (its
    /// threads start and allocate at once), which shows the count is the setting's doing.
    @Test func theBoxRunsOnTheMainArenaUnlessTheEnvironmentSaysOtherwise() async throws {
        func arenas(environment: [String: String]) async throws -> Int {
            let directory = TestScratch.directory("malloc")
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
        #expect(try await arenas(environment: [:]) == Int(MallocTuning.arenaCount) - 1)
        #expect(try await arenas(environment: ["MALLOC_ARENA_MAX": "8"]) >= 2)
    }
}

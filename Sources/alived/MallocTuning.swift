#if os(Linux)
import CMalloc
#endif
import Foundation

/// glibc malloc settings for a box that runs for days within a fixed memory budget.
///
/// By default glibc gives each thread that allocates an arena of its own, up to 8 per
/// core (16 here, 32 on a 4-core Pi). alived allocates on its NIO event loops, the
/// cooperative pool, the curl loop, the segmenter, the thumbnailer and the journal's
/// queue. Each arena keeps the holes its frees leave, and a hole in one arena is no use to
/// a thread on another, so anonymous memory crept up while the live heap stayed flat
/// (heaptrack: +92 KB of live heap from 600 to 1380 s of a soak, SQLite's page cache
/// filling to its cap). One arena lets every thread reuse what the others freed.
/// alived allocates a few thousand times a second, mostly served by each thread's tcache
/// without the arena's lock, far below where sharing one arena would cost anything.
///
/// Hour-long soaks side by side (`bench/soak`; figures in the README) measured the
/// slope and the level of RssAnon outside the ring lowest with one arena, CPU unchanged.
/// A fixed mmap threshold lowered the level too, but cost more CPU (each segment's few
/// MiB of thumbnail buffers mapped and zeroed anew) without lowering the slope, so the
/// threshold stays glibc's.
///
/// An operator's `MALLOC_ARENA_MAX` (or `glibc.malloc.arena_max` in `GLIBC_TUNABLES`)
/// wins: the setting is left as they made it.
enum MallocTuning {
    /// Arenas for the whole process: the main one only.
    static let arenaCount: Int32 = 1

    /// The settings for this process, applied on first use (`Alived.main`, first thing).
    static let applied: [String] = apply(environment: ProcessInfo.processInfo.environment)

    /// What was applied, for the start-up log (`["arena_max=1"]`); empty when the
    /// environment set it itself.
    @discardableResult
    static func apply(environment: [String: String]) -> [String] {
        #if os(Linux)
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        guard environment["MALLOC_ARENA_MAX"] == nil, !tunables.contains("glibc.malloc.arena_max"),
              mallopt(M_ARENA_MAX, arenaCount) == 1
        else { return [] }
        return ["arena_max=\(arenaCount)"]
        #else
        return []
        #endif
    }
}

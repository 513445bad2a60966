#if os(Linux)
import CMalloc
#endif

/// glibc malloc settings for a box that runs for days within a fixed memory budget.
///
/// glibc's defaults suit short programs on big machines, and two of them make a
/// long-running box's anonymous memory creep up although its live heap is flat (the
/// soak, `bench/soak`, measured it; heaptrack saw nothing piling up):
/// - **One arena per thread that ever allocated, up to 8 per core** (32 on a 4-core Pi).
///   alived allocates on its NIO event loops, the cooperative pool, the curl loop, the
///   segmenter and the journal's queue; each arena keeps the holes its frees leave, and
///   a hole in one arena is no use to a thread on another. Two arenas let every
///   thread reuse what the others freed, and alived's allocation rate (a few thousand a
///   second, mostly served by each thread's tcache) is far below where their lock would
///   cost anything.
/// - **A moving mmap threshold**: once a block above 128 KiB (a keyframe, an FLV tag, a
///   segment's pieces) is freed, glibc raises the threshold to that block's size, and
///   later blocks of that size come from an arena instead of their own mapping. Freed,
///   they leave large holes the arena keeps. Fixed at glibc's own starting value, every
///   such block is mapped and given back whole when freed.
///
/// An operator's `MALLOC_ARENA_MAX` / `MALLOC_MMAP_THRESHOLD_` in the environment (or
/// the `GLIBC_TUNABLES` equivalents) win: the setting is left as they made it.
enum MallocTuning {
    /// Arenas for the whole process.
    static let arenaCount: Int32 = 2
    /// Blocks from this size up get their own mapping, returned to the system when freed.
    static let mmapThresholdBytes: Int32 = 128 * 1024

    /// What was applied, for the start-up log: `["arena_max=2", …]`; empty when the
    /// environment set everything itself.
    @discardableResult
    static func apply(environment: [String: String]) -> [String] {
        #if os(Linux)
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        var applied: [String] = []
        if environment["MALLOC_ARENA_MAX"] == nil && !tunables.contains("glibc.malloc.arena_max"),
           mallopt(M_ARENA_MAX, arenaCount) == 1 {
            applied.append("arena_max=\(arenaCount)")
        }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil && !tunables.contains("glibc.malloc.mmap_threshold"),
           mallopt(M_MMAP_THRESHOLD, mmapThresholdBytes) == 1 {
            applied.append("mmap_threshold=\(mmapThresholdBytes)")
        }
        return applied
        #else
        return []
        #endif
    }
}

import AliveJournal
import AliveLedger

/// One ledger push to make: a single segment (pushed with its `len`), or several
/// bundled into a chunk file.
struct PlannedPush: Sendable, Equatable {
    /// In sequence order.
    let segments: [JournalSegment]
    /// nil for a single segment.
    let chunk: AliveChunk?
}

/// Turns the segments not yet on-chain into pushes, in order: each alone when the
/// batch interval is 0; otherwise as few chunks as the 4200-byte limit allows, a batch
/// (or a split's last part) of exactly one segment going as a single segment (a chunk of
/// one line is not a CSV to a gateway: `AliveChunk`).
enum BatchPlanner {
    static func plan(_ awaiting: [JournalSegment], eachAlone: Bool) throws -> [PlannedPush] {
        if eachAlone { return awaiting.map { PlannedPush(segments: [$0], chunk: nil) } }
        let groups = try AliveChunk.split(awaiting.map {
            AliveChunk.Entry(src: $0.cid, duration: $0.duration, discontinuity: $0.discontinuity)
        })
        var pushes: [PlannedPush] = []
        var start = 0
        for group in groups {
            let segments = Array(awaiting[start..<(start + group.count)])
            start += group.count
            pushes.append(PlannedPush(segments: segments, chunk: segments.count == 1 ? nil : try AliveChunk(entries: group)))
        }
        return pushes
    }
}

import GRDB

extension Journal {
    /// Records a stored segment (`discontinuity`: the first after a break in the stream).
    /// Recording the same segment again with the same values is a no-op (a retry after a
    /// crash between store and record); with different values it is a `conflict` and
    /// nothing changes.
    /// `at` (Unix ms, when given) is noted as the stream's last activity in the same write.
    public func recordSegment(
        _ stream: JournalStreamKey, sequence: Int64, cid: String, duration: Double, discontinuity: Bool = false, at: Int64? = nil
    ) throws {
        guard sequence >= 0 else { throw JournalError(.invalidInput, "segment sequence must not be negative") }
        guard !cid.isEmpty else { throw JournalError(.invalidInput, "segment CID must not be empty") }
        guard duration.isFinite, duration > 0 else { throw JournalError(.invalidInput, "segment duration must be a positive number") }
        try write("recording segment") { db in
            let streamID = try streamID(stream, in: db, create: true)!
            if let row = try Row.fetchOne(
                db, sql: "SELECT cid, duration, discontinuity FROM segments WHERE stream_id = ? AND sequence = ?",
                arguments: [streamID, sequence])
            {
                let existingCID: String = row["cid"]
                let existingDuration: Double = row["duration"]
                let existingMark: Bool = row["discontinuity"]
                guard existingCID == cid, existingDuration == duration, existingMark == discontinuity else {
                    throw JournalError(.conflict, "segment \(sequence) of \(stream) is already recorded with another CID, duration or mark")
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO segments (stream_id, sequence, cid, duration, discontinuity) VALUES (?, ?, ?, ?, ?)",
                arguments: [streamID, sequence, cid, duration, discontinuity])
            if let at { try Self.noteActivity(streamID: streamID, at: at, in: db) }
        }
    }

    /// Notes that AliveDB accepted the segment.
    public func markPushedToAliveDB(_ stream: JournalStreamKey, sequence: Int64) throws {
        try write("marking AliveDB push") { db in
            let streamID = try existingStreamID(stream, in: db)
            try db.execute(
                sql: "UPDATE segments SET alivedb_pushed = 1 WHERE stream_id = ? AND sequence = ?",
                arguments: [streamID, sequence])
            guard db.changesCount == 1 else {
                throw JournalError(.notFound, "no segment \(sequence) in \(stream)")
            }
        }
    }

    /// Segments not yet carried by any ledger push, in sequence order: the next batch.
    public func segmentsAwaitingLedger(_ stream: JournalStreamKey) throws -> [JournalSegment] {
        try segments(stream, filter: "push_seq IS NULL")
    }

    /// Segments AliveDB has not acknowledged, in sequence order.
    public func segmentsAwaitingAliveDB(_ stream: JournalStreamKey) throws -> [JournalSegment] {
        try segments(stream, filter: "alivedb_pushed = 0")
    }

    /// Every segment of the stream, in sequence order.
    public func segments(_ stream: JournalStreamKey) throws -> [JournalSegment] {
        try segments(stream, filter: "1")
    }

    /// The newest `limit` segments of the stream, in sequence order.
    public func newestSegments(_ stream: JournalStreamKey, limit: Int) throws -> [JournalSegment] {
        try read("listing the newest segments") { db in
            guard let streamID = try streamID(stream, in: db, create: false) else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.segmentColumns) FROM segments WHERE stream_id = ? ORDER BY sequence DESC LIMIT ?",
                arguments: [streamID, limit]
            ).map(Self.segment).reversed()
        }
    }

    /// The segments a push carries, in sequence order.
    public func segments(_ stream: JournalStreamKey, ledgerSeq: Int64) throws -> [JournalSegment] {
        try segments(stream, filter: "push_seq = \(ledgerSeq)")
    }

    private func segments(_ stream: JournalStreamKey, filter: String) throws -> [JournalSegment] {
        try read("listing segments") { db in
            guard let streamID = try streamID(stream, in: db, create: false) else { return [] }
            return try Row.fetchAll(
                db,
                sql: "SELECT \(Self.segmentColumns) FROM segments WHERE stream_id = ? AND \(filter) ORDER BY sequence",
                arguments: [streamID]
            ).map(Self.segment)
        }
    }

    /// What `segment(_:)` reads.
    static let segmentColumns = "sequence, cid, duration, discontinuity, alivedb_pushed, push_seq"

    static func segment(_ row: Row) -> JournalSegment {
        JournalSegment(
            sequence: row["sequence"], cid: row["cid"], duration: row["duration"], discontinuity: row["discontinuity"],
            pushedToAliveDB: row["alivedb_pushed"] as Int64 == 1, ledgerSeq: row["push_seq"])
    }
}

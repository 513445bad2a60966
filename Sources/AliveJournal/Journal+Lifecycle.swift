import GRDB

/// A stream's life as the journal keeps it: opened, active, end asked for, ended.
public struct JournalStreamRecord: Sendable, Equatable {
    public let key: JournalStreamKey
    /// The link template it came from and its number there (nil for streams from before
    /// templates, or opened by hand).
    public let template: String?
    public let number: Int?
    /// Unix ms (the box's clock).
    public let openedAt: Int64?
    public let lastActivityAt: Int64?
    public let endRequestedAt: Int64?
    public let endedAt: Int64?
    /// op 1's transaction id, when the box ended it on a ledger.
    public let endTransactionID: String?
    /// The op 2 payload last on-chain for this link (JSON text), nil when never configured.
    public let configured: String?
    public let nextSeq: Int64
    public let segmentCount: Int
    /// The lowest and highest seq of the stream's confirmed pushes.
    public let firstConfirmedSeq: Int64?
    public let lastConfirmedSeq: Int64?

    public var isEnded: Bool { endedAt != nil }
}

extension Journal {
    /// Opens a new stream (a link per event). A link the journal already knows is a
    /// `conflict`: a stream is opened once, and an ended link is never opened again.
    public func openStream(_ stream: JournalStreamKey, template: String?, number: Int?, at: Int64) throws {
        try write("opening a stream") { db in
            if try streamID(stream, in: db, create: false) != nil {
                throw JournalError(.conflict, "stream \(stream) is already in the journal")
            }
            let id = try streamID(stream, in: db, create: true)!
            try db.execute(
                sql: "UPDATE streams SET opened_at = ?, last_activity_at = ?, template = ?, number = ? WHERE id = ?",
                arguments: [at, at, template, number, id])
        }
    }

    /// Notes activity (media arriving) at `at`, Unix ms; never moves it back.
    public func noteActivity(_ stream: JournalStreamKey, at: Int64) throws {
        try write("noting stream activity") { db in
            try Self.noteActivity(streamID: try existingStreamID(stream, in: db), at: at, in: db)
        }
    }

    static func noteActivity(streamID: Int64, at: Int64, in db: Database) throws {
        try db.execute(
            sql: "UPDATE streams SET last_activity_at = max(coalesce(last_activity_at, ?), ?) WHERE id = ?",
            arguments: [at, at, streamID])
    }

    /// The box decided to end the stream (idle, the page, a stop, full): kept so a crash
    /// before op 1 is on-chain ends it at the next start instead of continuing it.
    public func requestEnd(_ stream: JournalStreamKey, at: Int64) throws {
        try write("asking for a stream's end") { db in
            let id = try existingStreamID(stream, in: db)
            try db.execute(sql: "UPDATE streams SET end_requested_at = coalesce(end_requested_at, ?) WHERE id = ?", arguments: [at, id])
        }
    }

    /// The stream is over for good: op 1 on-chain (`transactionID`), or found ended on the
    /// chain by the indexer (nil). Its link is never pushed to again.
    public func markEnded(_ stream: JournalStreamKey, at: Int64, transactionID: String?) throws {
        try write("marking a stream ended") { db in
            let id = try streamID(stream, in: db, create: true)!
            try db.execute(
                sql: """
                    UPDATE streams SET end_requested_at = coalesce(end_requested_at, ?), ended_at = coalesce(ended_at, ?),
                                       end_tx = coalesce(end_tx, ?) WHERE id = ?
                    """,
                arguments: [at, at, transactionID, id])
        }
    }

    /// Notes the op 2 payload now on-chain for the stream.
    public func markConfigured(_ stream: JournalStreamKey, payload: String) throws {
        try write("noting a stream's configuration") { db in
            let id = try streamID(stream, in: db, create: true)!
            try db.execute(sql: "UPDATE streams SET configured = ? WHERE id = ?", arguments: [payload, id])
        }
    }

    /// One stream's record; nil when the journal does not know it.
    public func streamRecord(_ stream: JournalStreamKey) throws -> JournalStreamRecord? {
        try streamRecords(network: stream.network, streamer: stream.streamer).first { $0.key == stream }
    }

    /// Every link of `streamer` on `network` the journal knows (open, ended or anything else).
    public func streamLinks(network: String, streamer: String) throws -> Set<String> {
        try read("listing stream links") { db in
            Set(try String.fetchAll(db, sql: "SELECT link FROM streams WHERE network = ? AND streamer = ?", arguments: [network, streamer]))
        }
    }

    /// The highest number a stream opened from `template` has.
    public func highestStreamNumber(network: String, streamer: String, template: String) throws -> Int? {
        try read("reading the highest stream number") { db in
            try Int.fetchOne(
                db, sql: "SELECT max(number) FROM streams WHERE network = ? AND streamer = ? AND template = ?",
                arguments: [network, streamer, template])
        }
    }

    /// The streams of `streamer` on `network`, oldest first: the newest `limit` (each
    /// record counts its segments), and every one not ended whatever `limit` says.
    public func streamRecords(network: String, streamer: String, limit: Int = Int.max) throws -> [JournalStreamRecord] {
        try read("listing stream records") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.link, s.template, s.number, s.opened_at, s.last_activity_at, s.end_requested_at, s.ended_at,
                           s.end_tx, s.configured, s.next_seq,
                           (SELECT count(*) FROM segments WHERE stream_id = s.id) AS segment_count,
                           (SELECT min(seq) FROM ledger_pushes WHERE stream_id = s.id AND state = 'confirmed') AS first_seq,
                           (SELECT max(seq) FROM ledger_pushes WHERE stream_id = s.id AND state = 'confirmed') AS last_seq
                    FROM streams s WHERE s.network = ? AND s.streamer = ?
                      AND (s.ended_at IS NULL OR s.id IN (SELECT id FROM streams WHERE network = ? AND streamer = ?
                                                          ORDER BY id DESC LIMIT ?))
                    ORDER BY s.id
                    """,
                arguments: [network, streamer, network, streamer, Int64(clamping: limit)]
            ).map { row in
                JournalStreamRecord(
                    key: JournalStreamKey(network: network, streamer: streamer, link: row["link"]),
                    template: row["template"], number: row["number"], openedAt: row["opened_at"],
                    lastActivityAt: row["last_activity_at"], endRequestedAt: row["end_requested_at"], endedAt: row["ended_at"],
                    endTransactionID: row["end_tx"], configured: row["configured"], nextSeq: row["next_seq"],
                    segmentCount: row["segment_count"], firstConfirmedSeq: row["first_seq"], lastConfirmedSeq: row["last_seq"])
            }
        }
    }
}

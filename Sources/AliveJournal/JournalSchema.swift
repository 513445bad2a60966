import GRDB

/// The journal's tables, created and upgraded by GRDB's migrator (each migration
/// runs once, in its own transaction).
enum JournalSchema {
    /// A file with tables but no migration record belongs to some other program
    /// (a wrong path in the config): refuse it before the migrator writes anything.
    static func refuseForeignDatabase(_ queue: DatabaseQueue, path: String) throws {
        let tables = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        }
        if !tables.isEmpty, !tables.contains("grdb_migrations") {
            throw JournalError(.storage, "\(path) is another program's database, not an alived journal")
        }
    }

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE streams (
                    id INTEGER PRIMARY KEY,
                    network TEXT NOT NULL CHECK (length(network) > 0),
                    streamer TEXT NOT NULL CHECK (length(streamer) > 0),
                    link TEXT NOT NULL CHECK (length(link) > 0),
                    -- the seq the next push gets; only ever grows
                    next_seq INTEGER NOT NULL DEFAULT 0 CHECK (next_seq >= 0),
                    UNIQUE (network, streamer, link)
                );
                CREATE TABLE ledger_pushes (
                    stream_id INTEGER NOT NULL REFERENCES streams(id),
                    seq INTEGER NOT NULL CHECK (seq >= 0),
                    kind TEXT NOT NULL CHECK (kind IN ('segment', 'chunk')),
                    src TEXT NOT NULL CHECK (length(src) > 0),
                    duration REAL CHECK ((kind = 'segment') = (duration IS NOT NULL)),
                    segment_count INTEGER NOT NULL CHECK (segment_count > 0),
                    tx_id TEXT NOT NULL CHECK (length(tx_id) > 0),
                    tx_body TEXT NOT NULL CHECK (length(tx_body) > 0),
                    tx_serialized BLOB,
                    expiration INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'broadcast', 'confirmed', 'expired')),
                    signings INTEGER NOT NULL DEFAULT 1 CHECK (signings >= 1),
                    block_number INTEGER,
                    PRIMARY KEY (stream_id, seq)
                );
                CREATE TABLE segments (
                    stream_id INTEGER NOT NULL REFERENCES streams(id),
                    sequence INTEGER NOT NULL CHECK (sequence >= 0),
                    cid TEXT NOT NULL CHECK (length(cid) > 0),
                    duration REAL NOT NULL CHECK (duration > 0),
                    alivedb_pushed INTEGER NOT NULL DEFAULT 0 CHECK (alivedb_pushed IN (0, 1)),
                    push_seq INTEGER,
                    PRIMARY KEY (stream_id, sequence),
                    FOREIGN KEY (stream_id, push_seq) REFERENCES ledger_pushes(stream_id, seq)
                );
                CREATE INDEX segments_by_push ON segments(stream_id, push_seq);
                CREATE TABLE chunks (
                    stream_id INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    cid TEXT NOT NULL CHECK (length(cid) > 0),
                    byte_count INTEGER NOT NULL CHECK (byte_count > 0),
                    PRIMARY KEY (stream_id, seq),
                    FOREIGN KEY (stream_id, seq) REFERENCES ledger_pushes(stream_id, seq)
                );
                -- earlier signings of a seq, replaced after they expired
                CREATE TABLE superseded_transactions (
                    stream_id INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    tx_id TEXT NOT NULL,
                    expiration INTEGER NOT NULL,
                    PRIMARY KEY (stream_id, seq, tx_id),
                    FOREIGN KEY (stream_id, seq) REFERENCES ledger_pushes(stream_id, seq)
                );
                -- seqs this journal never used because the indexer showed them on-chain
                CREATE TABLE seq_skips (
                    stream_id INTEGER NOT NULL REFERENCES streams(id),
                    from_seq INTEGER NOT NULL,
                    to_seq INTEGER NOT NULL CHECK (to_seq > from_seq),
                    PRIMARY KEY (stream_id, from_seq)
                );
                """)
        }
        // The first segment after a break in the stream (AliveLedger's AliveDiscontinuity):
        // kept with the segment so a push made after a restart still carries the mark.
        migrator.registerMigration("v2 segment discontinuity") { db in
            try db.execute(sql: """
                ALTER TABLE segments ADD COLUMN discontinuity INTEGER NOT NULL DEFAULT 0 CHECK (discontinuity IN (0, 1))
                """)
        }
        // The publisher asks for the unconfirmed pushes before every batch: without this
        // index that reads every push of the stream (signed bodies included) each time.
        migrator.registerMigration("v3 unconfirmed pushes index") { db in
            try db.execute(sql: """
                CREATE INDEX ledger_pushes_unconfirmed ON ledger_pushes(stream_id, seq) WHERE state != 'confirmed'
                """)
        }
        // Streams as a venue runs them (one link per event): when the box opened each one,
        // its last activity (to end it after the idle time, across restarts), the end it
        // asked for and the end on-chain, the op 2 payload on-chain, the link template and
        // number it came from. Streams from before are taken as open and active now.
        migrator.registerMigration("v4 stream lifecycle") { db in
            try db.execute(sql: """
                ALTER TABLE streams ADD COLUMN opened_at INTEGER;
                ALTER TABLE streams ADD COLUMN last_activity_at INTEGER;
                ALTER TABLE streams ADD COLUMN end_requested_at INTEGER;
                ALTER TABLE streams ADD COLUMN ended_at INTEGER;
                ALTER TABLE streams ADD COLUMN end_tx TEXT;
                ALTER TABLE streams ADD COLUMN configured TEXT;
                ALTER TABLE streams ADD COLUMN template TEXT;
                ALTER TABLE streams ADD COLUMN number INTEGER CHECK (number IS NULL OR number >= 1);
                UPDATE streams SET opened_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000,
                                   last_activity_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000;
                """)
        }
        return migrator
    }
}

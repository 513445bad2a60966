import Foundation
import GRDB
import Synchronization

/// The box's durable record of publishing: segments (CID, duration, AliveDB push),
/// chunks, and ledger pushes with their seq and signed transaction.
///
/// Exactly once: a push gets its seq and its signed transaction in ONE SQLite
/// transaction, committed before anything is broadcast (`recordPush`). After a
/// crash, `unconfirmedPushes` lists what to re-broadcast unchanged; a push is
/// re-signed with the same seq only once chain time is past its expiration
/// (`markExpired`, `resign`). The next seq always comes from the journal.
///
/// SQLite through GRDB (a kept package, 7.10.0): it owns the C API, statement
/// caching and transaction handling, which would otherwise be hand-written here.
/// WAL journal with `synchronous = FULL`: every commit is on disk when the call
/// returns, so a power cut right after `recordPush` cannot lose the reservation
/// (NORMAL would keep the file consistent but could drop the last commits).
/// Calls block on fsync: run them on a thread of their own, never on an event loop.
public final class Journal: Sendable {
    /// SQLite's page cache for the journal's one connection, in KiB. SQLite's default
    /// (2000 KiB) fills as the stream's tables grow, which over the first hour of a stream
    /// reads like a leak of ~2 MiB/h on a box that must stay flat. What the publisher reads
    /// is the tail of each table through indexes (plus the WAL), which this holds; a cold
    /// page comes from the kernel's file cache.
    public static let pageCacheKiB = 256

    public let path: String
    private let queue: DatabaseQueue
    private let closed = Mutex(false)

    /// Opens (creating if needed) the journal at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        // Another process holding the write lock (a second alived by mistake, an
        // inspection tool) is waited for a bounded time, then reported.
        configuration.busyMode = .timeout(5)
        // Set here rather than with `configuration.journalMode = .wal`, which also
        // lowers `synchronous` to NORMAL.
        configuration.prepareDatabase { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else { throw JournalError(.storage, "SQLite refused WAL mode (got \(mode ?? "nothing"))") }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKiB)")
        }
        let opened: DatabaseQueue
        do {
            opened = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.storageError(error, while: "opening journal at \(path)")
        }
        do {
            try JournalSchema.refuseForeignDatabase(opened, path: path)
            try JournalSchema.migrator().migrate(opened)
        } catch {
            try? opened.close()
            throw Self.storageError(error, while: "preparing journal at \(path)")
        }
        queue = opened
    }

    /// Closes the database. Later calls throw `storage`.
    public func close() throws {
        let wasClosed = closed.withLock { value in
            defer { value = true }
            return value
        }
        guard !wasClosed else { return }
        do { try queue.close() } catch { throw Self.storageError(error, while: "closing journal") }
    }

    deinit {
        closed.withLock { value in assert(value, "Journal released without close()") }
    }

    // MARK: transactions

    /// Runs `body` in an IMMEDIATE transaction: the write lock is taken first, so a
    /// seq read inside is never read by anyone else before this commits.
    func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try ensureOpen()
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw JournalError(.storage, "transaction produced no result") }
                return result
            }
        } catch let error as DatabaseError {
            throw Self.storageError(error, while: what)
        }
        // Anything else is a JournalError, or the error of a caller's closure (signing),
        // passed through unchanged.
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        try ensureOpen()
        do {
            return try queue.read(body)
        } catch let error as DatabaseError {
            throw Self.storageError(error, while: what)
        }
    }

    private func ensureOpen() throws {
        if closed.withLock({ $0 }) { throw JournalError(.storage, "journal used after close()") }
    }

    private static func storageError(_ error: any Error, while what: String) -> JournalError {
        if let error = error as? JournalError { return error }
        if let error = error as? DatabaseError {
            return JournalError(.storage, "\(what): \(error.message ?? "SQLite error") (\(error.resultCode))")
        }
        return JournalError(.storage, "\(what): \(error)")
    }

    // MARK: streams

    /// The stream's row id, created on first use.
    func streamID(_ stream: JournalStreamKey, in db: Database, create: Bool) throws -> Int64? {
        if let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM streams WHERE network = ? AND streamer = ? AND link = ?",
            arguments: [stream.network, stream.streamer, stream.link])
        {
            return id
        }
        guard create else { return nil }
        guard !stream.network.isEmpty, !stream.streamer.isEmpty, !stream.link.isEmpty else {
            throw JournalError(.invalidInput, "stream network, streamer and link must not be empty")
        }
        try db.execute(
            sql: "INSERT INTO streams (network, streamer, link) VALUES (?, ?, ?)",
            arguments: [stream.network, stream.streamer, stream.link])
        return db.lastInsertedRowID
    }

    func existingStreamID(_ stream: JournalStreamKey, in db: Database) throws -> Int64 {
        guard let id = try streamID(stream, in: db, create: false) else {
            throw JournalError(.notFound, "no stream \(stream) in the journal")
        }
        return id
    }

    /// Every stream the journal knows.
    public func streams() throws -> [JournalStreamKey] {
        try read("listing streams") { db in
            try Row.fetchAll(db, sql: "SELECT network, streamer, link FROM streams ORDER BY id").map {
                JournalStreamKey(network: $0["network"], streamer: $0["streamer"], link: $0["link"])
            }
        }
    }
}

import Foundation
import GRDB

extension Journal {
    /// The seq the next push of `stream` will get (0 for a new stream).
    public func nextSeq(_ stream: JournalStreamKey) throws -> Int64 {
        try read("reading next seq") { db in
            guard let streamID = try streamID(stream, in: db, create: false) else { return 0 }
            return try Int64.fetchOne(db, sql: "SELECT next_seq FROM streams WHERE id = ?", arguments: [streamID]) ?? 0
        }
    }

    /// Moves the next seq up to `seq` when the indexer shows seqs on-chain that this
    /// journal never recorded (journal lost or replaced). Never moves it down; the
    /// skipped range is recorded so the integrity check can tell it from a gap.
    @discardableResult
    public func raiseNextSeq(_ stream: JournalStreamKey, to seq: Int64) throws -> Int64 {
        guard seq >= 0 else { throw JournalError(.invalidInput, "seq must not be negative") }
        return try write("raising next seq") { db in
            let streamID = try streamID(stream, in: db, create: true)!
            let current = try Int64.fetchOne(db, sql: "SELECT next_seq FROM streams WHERE id = ?", arguments: [streamID]) ?? 0
            guard seq > current else { return current }
            try db.execute(
                sql: "INSERT INTO seq_skips (stream_id, from_seq, to_seq) VALUES (?, ?, ?)", arguments: [streamID, current, seq])
            try db.execute(sql: "UPDATE streams SET next_seq = ? WHERE id = ?", arguments: [seq, streamID])
            return seq
        }
    }

    /// Reserves the next seq and records the push signed for it, in one transaction
    /// that is on disk before this returns: call it BEFORE broadcasting. `sign` gets
    /// the reserved seq and returns the signed transaction carrying it (it runs inside
    /// the transaction, so keep it to signing); if it throws, nothing is recorded, the
    /// seq stays free and its error is rethrown unchanged.
    ///
    /// Each segment can be carried by one push only: a segment already on a push, or
    /// not recorded, is a `conflict` / `notFound` and nothing changes.
    public func recordPush(
        _ stream: JournalStreamKey,
        content: JournalPushContent,
        sign: (_ seq: Int64) throws -> JournalSignedTransaction
    ) throws -> JournalPush {
        try write("recording push") { db in
            let streamID = try existingStreamID(stream, in: db)
            let sequences: [Int64]
            switch content {
            case .segment(let sequence): sequences = [sequence]
            case .chunk(let cid, let byteCount, let segments):
                guard !cid.isEmpty, byteCount > 0 else { throw JournalError(.invalidInput, "chunk needs a CID and a size") }
                guard !segments.isEmpty, Set(segments).count == segments.count else {
                    throw JournalError(.invalidInput, "chunk needs distinct segments")
                }
                sequences = segments
            }
            var carried: [JournalSegment] = []
            for sequence in sequences {
                guard let row = try Row.fetchOne(
                    db,
                    sql: "SELECT \(Self.segmentColumns) FROM segments WHERE stream_id = ? AND sequence = ?",
                    arguments: [streamID, sequence])
                else { throw JournalError(.notFound, "no segment \(sequence) in \(stream)") }
                let segment = Self.segment(row)
                if let seq = segment.ledgerSeq {
                    throw JournalError(.conflict, "segment \(sequence) of \(stream) is already carried by seq \(seq)")
                }
                carried.append(segment)
            }

            let seq = try Int64.fetchOne(db, sql: "SELECT next_seq FROM streams WHERE id = ?", arguments: [streamID]) ?? 0
            let transaction = try sign(seq)
            try Self.validate(transaction)

            let src: String
            let duration: Double?
            let kind: String
            switch content {
            case .segment:
                (kind, src, duration) = ("segment", carried[0].cid, carried[0].duration)
            case .chunk(let cid, _, _):
                (kind, src, duration) = ("chunk", cid, nil)
            }
            try db.execute(
                sql: """
                    INSERT INTO ledger_pushes (stream_id, seq, kind, src, duration, segment_count,
                        tx_id, tx_body, tx_serialized, expiration, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                    """,
                arguments: [
                    streamID, seq, kind, src, duration, carried.count,
                    transaction.transactionID, transaction.body, transaction.serialized.map { Data($0) }, transaction.expiration,
                ])
            if case .chunk(let cid, let byteCount, _) = content {
                try db.execute(
                    sql: "INSERT INTO chunks (stream_id, seq, cid, byte_count) VALUES (?, ?, ?, ?)",
                    arguments: [streamID, seq, cid, byteCount])
            }
            for sequence in sequences {
                try db.execute(
                    sql: "UPDATE segments SET push_seq = ? WHERE stream_id = ? AND sequence = ?",
                    arguments: [seq, streamID, sequence])
            }
            try db.execute(sql: "UPDATE streams SET next_seq = ? WHERE id = ?", arguments: [seq + 1, streamID])
            return try Self.fetchPush(stream, streamID: streamID, seq: seq, in: db)
        }
    }

    /// A node accepted the transaction (a "duplicate" answer counts too).
    public func markBroadcast(_ stream: JournalStreamKey, seq: Int64, transactionID: String) throws {
        try transition(stream, seq: seq, transactionID: transactionID, from: [.pending], to: .broadcast)
    }

    /// The transaction was seen on-chain (in `blockNumber` when known). Final.
    public func markConfirmed(_ stream: JournalStreamKey, seq: Int64, transactionID: String, blockNumber: Int64? = nil) throws {
        try transition(
            stream, seq: seq, transactionID: transactionID, from: [.pending, .broadcast, .expired], to: .confirmed,
            blockNumber: blockNumber)
    }

    /// The transaction can no longer land: chain time (`headBlockTime`, Unix seconds
    /// from the node) is past its expiration. Refused while it could still land, so a
    /// re-sign can never put the same seq on-chain twice.
    public func markExpired(_ stream: JournalStreamKey, seq: Int64, transactionID: String, headBlockTime: Int64) throws {
        try write("marking push expired") { db in
            let streamID = try existingStreamID(stream, in: db)
            let push = try Self.fetchPush(stream, streamID: streamID, seq: seq, in: db)
            guard push.transaction.transactionID == transactionID else {
                throw JournalError(.conflict, "seq \(seq) of \(stream) now carries another transaction")
            }
            guard push.state == .pending || push.state == .broadcast else {
                throw JournalError(.invalidState, "seq \(seq) of \(stream) is \(push.state.rawValue), cannot expire")
            }
            guard headBlockTime > push.transaction.expiration else {
                throw JournalError(.invalidState, "seq \(seq) of \(stream) may still land until chain time passes \(push.transaction.expiration)")
            }
            try db.execute(
                sql: "UPDATE ledger_pushes SET state = 'expired' WHERE stream_id = ? AND seq = ?", arguments: [streamID, seq])
        }
    }

    /// Re-signs an expired push with the SAME seq and content, in one transaction;
    /// the old transaction id is kept in the superseded list. `sign` gets the push
    /// as recorded and returns the new signed transaction.
    public func resign(
        _ stream: JournalStreamKey, seq: Int64,
        sign: (_ push: JournalPush) throws -> JournalSignedTransaction
    ) throws -> JournalPush {
        try write("re-signing push") { db in
            let streamID = try existingStreamID(stream, in: db)
            let push = try Self.fetchPush(stream, streamID: streamID, seq: seq, in: db)
            guard push.state == .expired else {
                throw JournalError(.invalidState, "seq \(seq) of \(stream) is \(push.state.rawValue); only an expired push is re-signed")
            }
            let transaction = try sign(push)
            try Self.validate(transaction)
            guard transaction.transactionID != push.transaction.transactionID else {
                throw JournalError(.invalidInput, "the re-signed transaction must differ from the expired one")
            }
            try db.execute(
                sql: "INSERT INTO superseded_transactions (stream_id, seq, tx_id, expiration) VALUES (?, ?, ?, ?)",
                arguments: [streamID, seq, push.transaction.transactionID, push.transaction.expiration])
            try db.execute(
                sql: """
                    UPDATE ledger_pushes SET tx_id = ?, tx_body = ?, tx_serialized = ?, expiration = ?,
                        state = 'pending', signings = signings + 1
                    WHERE stream_id = ? AND seq = ?
                    """,
                arguments: [
                    transaction.transactionID, transaction.body, transaction.serialized.map { Data($0) }, transaction.expiration,
                    streamID, seq,
                ])
            return try Self.fetchPush(stream, streamID: streamID, seq: seq, in: db)
        }
    }

    /// Pushes not yet confirmed (pending, broadcast, expired), in seq order: after a
    /// restart, re-broadcast the pending/broadcast ones unchanged, re-sign the expired.
    public func unconfirmedPushes(_ stream: JournalStreamKey) throws -> [JournalPush] {
        try pushes(stream, filter: "state != 'confirmed'")
    }

    /// Every push of the stream, in seq order.
    public func pushes(_ stream: JournalStreamKey) throws -> [JournalPush] {
        try pushes(stream, filter: "1")
    }

    public func push(_ stream: JournalStreamKey, seq: Int64) throws -> JournalPush? {
        try pushes(stream, filter: "seq = \(seq)").first
    }

    /// Earlier transaction ids of `seq` (replaced after they expired), oldest first.
    public func supersededTransactionIDs(_ stream: JournalStreamKey, seq: Int64) throws -> [String] {
        try read("listing superseded transactions") { db in
            guard let streamID = try streamID(stream, in: db, create: false) else { return [] }
            return try String.fetchAll(
                db, sql: "SELECT tx_id FROM superseded_transactions WHERE stream_id = ? AND seq = ? ORDER BY rowid",
                arguments: [streamID, seq])
        }
    }

    // MARK: helpers

    private func pushes(_ stream: JournalStreamKey, filter: String) throws -> [JournalPush] {
        try read("listing pushes") { db in
            guard let streamID = try streamID(stream, in: db, create: false) else { return [] }
            let seqs = try Int64.fetchAll(
                db, sql: "SELECT seq FROM ledger_pushes WHERE stream_id = ? AND \(filter) ORDER BY seq", arguments: [streamID])
            return try seqs.map { try Self.fetchPush(stream, streamID: streamID, seq: $0, in: db) }
        }
    }

    private func transition(
        _ stream: JournalStreamKey, seq: Int64, transactionID: String,
        from allowed: Set<JournalPushState>, to state: JournalPushState, blockNumber: Int64? = nil
    ) throws {
        try write("updating push state") { db in
            let streamID = try existingStreamID(stream, in: db)
            let push = try Self.fetchPush(stream, streamID: streamID, seq: seq, in: db)
            guard push.transaction.transactionID == transactionID else {
                throw JournalError(.conflict, "seq \(seq) of \(stream) now carries another transaction")
            }
            if push.state == state { return }  // repeated report: nothing to do
            guard allowed.contains(push.state) else {
                throw JournalError(.invalidState, "seq \(seq) of \(stream) is \(push.state.rawValue), cannot become \(state.rawValue)")
            }
            try db.execute(
                sql: "UPDATE ledger_pushes SET state = ?, block_number = COALESCE(?, block_number) WHERE stream_id = ? AND seq = ?",
                arguments: [state.rawValue, blockNumber, streamID, seq])
        }
    }

    private static func validate(_ transaction: JournalSignedTransaction) throws {
        guard !transaction.transactionID.isEmpty, !transaction.body.isEmpty else {
            throw JournalError(.invalidInput, "a signed transaction needs an id and a body")
        }
    }

    static func fetchPush(_ stream: JournalStreamKey, streamID: Int64, seq: Int64, in db: Database) throws -> JournalPush {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT * FROM ledger_pushes WHERE stream_id = ? AND seq = ?", arguments: [streamID, seq])
        else { throw JournalError(.notFound, "no push with seq \(seq) in \(stream)") }
        let kind: String = row["kind"]
        let carried = try Row.fetchAll(
            db, sql: "SELECT sequence, discontinuity FROM segments WHERE stream_id = ? AND push_seq = ? ORDER BY sequence",
            arguments: [streamID, seq])
        let segmentSequences = carried.map { $0["sequence"] as Int64 }
        let content: JournalPushContent
        if kind == "chunk" {
            guard let chunk = try Row.fetchOne(
                db, sql: "SELECT cid, byte_count FROM chunks WHERE stream_id = ? AND seq = ?", arguments: [streamID, seq])
            else { throw JournalError(.storage, "push \(seq) of \(stream) has no chunk row") }
            content = .chunk(cid: chunk["cid"], byteCount: chunk["byte_count"], segments: segmentSequences)
        } else {
            guard segmentSequences.count == 1 else { throw JournalError(.storage, "push \(seq) of \(stream) has no segment") }
            content = .segment(sequence: segmentSequences[0])
        }
        let discontinuity = kind == "segment" && carried[0]["discontinuity"] as Bool
        let stateText: String = row["state"]
        guard let state = JournalPushState(rawValue: stateText) else {
            throw JournalError(.storage, "push \(seq) of \(stream) has unknown state \(stateText)")
        }
        let serialized: Data? = row["tx_serialized"]
        return JournalPush(
            stream: stream, seq: seq, content: content, src: row["src"], duration: row["duration"], discontinuity: discontinuity,
            transaction: JournalSignedTransaction(
                transactionID: row["tx_id"], body: row["tx_body"], serialized: serialized.map { [UInt8]($0) },
                expiration: row["expiration"]),
            state: state, signings: row["signings"], blockNumber: row["block_number"])
    }
}

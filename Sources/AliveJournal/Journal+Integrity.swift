import GRDB

extension Journal {
    /// Checks the journal's invariants and returns every violation found (empty when
    /// sound): SQLite's own integrity check; per stream, seqs 0 … next_seq−1 each used
    /// exactly once (by a push, or by a recorded skip), no push at or past next_seq;
    /// each push's segment count and chunk row matching its segments; no segment on a
    /// push that does not exist. Run at start-up and by the crash tests.
    public func integrityProblems() throws -> [String] {
        try read("checking journal integrity") { db in
            var problems: [String] = []
            let sqlite = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            if sqlite != ["ok"] { problems.append("sqlite integrity_check: \(sqlite.joined(separator: "; "))") }
            let foreignKeys = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            if !foreignKeys.isEmpty { problems.append("foreign_key_check: \(foreignKeys.count) dangling references") }

            for stream in try Row.fetchAll(db, sql: "SELECT id, network, streamer, link, next_seq FROM streams ORDER BY id") {
                let id: Int64 = stream["id"]
                let nextSeq: Int64 = stream["next_seq"]
                let name = "\(stream["network"] as String)/\(stream["streamer"] as String)/\(stream["link"] as String)"
                var used = try Int64.fetchAll(db, sql: "SELECT seq FROM ledger_pushes WHERE stream_id = ?", arguments: [id])
                for skip in try Row.fetchAll(db, sql: "SELECT from_seq, to_seq FROM seq_skips WHERE stream_id = ?", arguments: [id]) {
                    used.append(contentsOf: (skip["from_seq"] as Int64)..<(skip["to_seq"] as Int64))
                }
                used.sort()
                if used != Array(0..<nextSeq) {
                    problems.append("\(name): seqs in use \(Self.summary(used)) are not exactly 0..<\(nextSeq)")
                }
                for push in try Row.fetchAll(
                    db, sql: "SELECT seq, kind, segment_count FROM ledger_pushes WHERE stream_id = ?", arguments: [id])
                {
                    let seq: Int64 = push["seq"]
                    let carried = try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM segments WHERE stream_id = ? AND push_seq = ?", arguments: [id, seq]) ?? 0
                    if carried != push["segment_count"] as Int {
                        problems.append("\(name): seq \(seq) records \(push["segment_count"] as Int) segments but carries \(carried)")
                    }
                    let chunkRows = try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM chunks WHERE stream_id = ? AND seq = ?", arguments: [id, seq]) ?? 0
                    if chunkRows != (push["kind"] as String == "chunk" ? 1 : 0) {
                        problems.append("\(name): seq \(seq) has \(chunkRows) chunk rows for a \(push["kind"] as String) push")
                    }
                }
            }
            return problems
        }
    }

    private static func summary(_ values: [Int64]) -> String {
        values.count <= 12 ? "\(values)" : "\(values.prefix(6))…\(values.suffix(6)) (\(values.count))"
    }
}

extension Journal {
    /// The value of a PRAGMA on the journal's connection (journal_mode, synchronous …),
    /// for start-up logging and tests.
    public func pragma(_ name: String) throws -> String {
        guard name.allSatisfy({ $0.isLetter || $0 == "_" }) else {
            throw JournalError(.invalidInput, "not a pragma name")
        }
        return try read("reading pragma") { db in
            try String.fetchOne(db, sql: "PRAGMA \(name)") ?? ""
        }
    }
}

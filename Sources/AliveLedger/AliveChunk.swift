/// A chunk: the CSV file that bundles segments for one on-chain push, one
/// `<hash>,<len>` line per segment, joined by `\n`, no header, no trailing newline.
/// Consumers refuse chunks over 4200 bytes, so a long batch is split with
/// `segmentsFitting` into several chunks (each pushed with its own seq).
public struct AliveChunk: Sendable, Equatable {
    /// What consumers accept.
    public static let maximumByteCount = 4_200

    /// One segment of a chunk.
    public struct Entry: Sendable, Equatable {
        public let src: String
        /// Seconds; rounded to 3 decimals in the file.
        public let duration: Double

        public init(src: String, duration: Double) {
            self.src = src
            self.duration = duration
        }
    }

    /// The file's bytes (UTF-8, in fact ASCII), to be stored as `text/csv`.
    public let bytes: [UInt8]
    public let entryCount: Int

    public init(entries: [Entry]) throws {
        guard !entries.isEmpty else { throw LedgerError.invalidInput("a chunk needs at least one segment") }
        let lines = try entries.map(Self.line)
        let text = lines.joined(separator: "\n")
        guard text.utf8.count <= Self.maximumByteCount else {
            throw LedgerError.invalidInput("chunk of \(text.utf8.count) bytes is over the \(Self.maximumByteCount) consumers accept")
        }
        bytes = Array(text.utf8)
        entryCount = entries.count
    }

    /// How many leading entries fit in one chunk (at least 1 when any entry is valid).
    public static func segmentsFitting(_ entries: [Entry]) throws -> Int {
        var size = 0
        for (index, entry) in entries.enumerated() {
            let added = try line(entry).utf8.count + (index == 0 ? 0 : 1)
            if size + added > maximumByteCount { return index }
            size += added
        }
        return entries.count
    }

    static func line(_ entry: Entry) throws -> String {
        try AliveNames.validateStorageHash(entry.src)
        return entry.src + "," + (try JSNumberFormat.string(AliveSegmentDuration.rounded(entry.duration)))
    }
}

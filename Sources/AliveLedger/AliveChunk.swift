/// A chunk: the CSV file that bundles segments for one on-chain push, one
/// `<hash>,<len>` line per segment, joined by `\n`, no header, no trailing newline.
/// Consumers refuse chunks over 4200 bytes, so a long batch is split with `split`
/// into several chunks (each pushed with its own seq).
///
/// A chunk must stay one well-formed CSV: Kubo's gateway types a file with
/// gabriel-vasile/mimetype, which calls it `text/csv` only when every line has the
/// first line's number of fields (more than one) and there are at least two lines, and
/// HAlive refuses a chunk served as anything but `text/csv`. So when any segment of a
/// chunk carries alived's discontinuity mark (`AliveDiscontinuity`), every line of that
/// chunk gets a third field: `<hash>,<len>,d` for the marked ones, `<hash>,<len>,` for
/// the others; a chunk without a mark is `<hash>,<len>` lines, as the protocol writes
/// them. And a chunk has at least two lines (a group of one is pushed as a single segment).
///
/// The one place the chunk-line format is written: chunk files, Avalon's
/// single-segment string and the publisher's check of a stored segment all use it.
public struct AliveChunk: Sendable, Equatable {
    /// What consumers accept.
    public static let maximumByteCount = 4_200

    /// One segment of a chunk.
    public struct Entry: Sendable, Equatable {
        public let src: String
        /// Seconds; rounded to 3 decimals in the file.
        public let duration: Double
        /// The first segment after a break: the line gets a third field.
        public let discontinuity: Bool

        public init(src: String, duration: Double, discontinuity: Bool = false) {
            self.src = src
            self.duration = duration
            self.discontinuity = discontinuity
        }

        /// `<hash>,<len>` (`<hash>,<len>,d` when marked), len rounded to 3 decimals and
        /// printed like the reference daemon (JavaScript's number formatting: `4`, not
        /// `4.000`). Throws when the protocol cannot carry the hash or the len. The line
        /// on its own: Avalon's single-segment string; a chunk's lines come from `line(inMarkedChunk:)`.
        public func line() throws -> String {
            try line(inMarkedChunk: discontinuity)
        }

        /// The line in a chunk: with `inMarkedChunk` (some line of the chunk is marked)
        /// it has three fields, the third `d` or empty.
        func line(inMarkedChunk: Bool) throws -> String {
            try AliveNames.validateStorageHash(src)
            let line = src + "," + (try JSNumberFormat.string(AliveSegmentDuration.rounded(duration)))
            guard inMarkedChunk else { return line }
            return line + "," + (discontinuity ? AliveDiscontinuity.chunkField : "")
        }

        /// Throws what `line()` would: the protocol cannot carry this hash or len.
        public func validate() throws {
            _ = try line()
        }
    }

    /// The segments in this chunk, in order.
    public let entries: [Entry]
    /// The file's bytes (UTF-8, in fact ASCII), to be stored as `text/csv`.
    public let bytes: [UInt8]

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// One chunk of exactly these entries (at least two); throws when one is invalid or
    /// they do not fit.
    public init(entries: [Entry]) throws {
        guard entries.count >= 2 else {
            throw LedgerError.invalidInput("a chunk needs at least two segments (one goes on-chain alone)")
        }
        let text = try Self.text(of: entries[...])
        guard text.utf8.count <= Self.maximumByteCount else {
            throw LedgerError.invalidInput("chunk of \(text.utf8.count) bytes is over the \(Self.maximumByteCount) consumers accept")
        }
        self.entries = entries
        self.bytes = Array(text.utf8)
    }

    /// The file's text for these entries: three fields a line when any is marked.
    private static func text(of entries: ArraySlice<Entry>) throws -> String {
        let marked = entries.contains { $0.discontinuity }
        return try entries.map { try $0.line(inMarkedChunk: marked) }.joined(separator: "\n")
    }

    /// How the entries of a batch are grouped into pushes, in order, each group as full as
    /// the limit allows. A group of one (a batch of one, or a split's last part) is not a
    /// chunk: the caller pushes that segment alone. Throws when any entry is invalid;
    /// nothing is built then.
    public static func split(_ entries: [Entry]) throws -> [[Entry]] {
        var groups: [[Entry]] = []
        var current: [Entry] = []
        // The current group's size as two-field lines, and its number of marks.
        var plainSize = 0
        var marks = 0
        for entry in entries {
            let plain = try entry.line(inMarkedChunk: false).utf8.count
            let addedMarks = marks + (entry.discontinuity ? 1 : 0)
            let count = current.count + 1
            // n lines: their two-field text, n - 1 separators; marked: a comma a line and a `d` a mark.
            let size = plainSize + plain + (count - 1) + (addedMarks > 0 ? count + addedMarks : 0)
            if !current.isEmpty && size > maximumByteCount {
                groups.append(current)
                current = [entry]
                plainSize = plain
                marks = entry.discontinuity ? 1 : 0
            } else {
                current.append(entry)
                plainSize += plain
                marks = addedMarks
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

}

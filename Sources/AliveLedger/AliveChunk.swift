/// A chunk: the CSV file that bundles segments for one on-chain push, one
/// `<hash>,<len>` line per segment (`<hash>,<len>,d` for the first segment after a
/// break: `AliveDiscontinuity`), joined by `\n`, no header, no trailing newline.
/// Consumers refuse chunks over 4200 bytes, so a long batch is split with `split`
/// into several chunks (each pushed with its own seq).
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
        /// `4.000`). Throws when the protocol cannot carry the hash or the len.
        public func line() throws -> String {
            try AliveNames.validateStorageHash(src)
            let line = src + "," + (try JSNumberFormat.string(AliveSegmentDuration.rounded(duration)))
            return discontinuity ? line + "," + AliveDiscontinuity.chunkField : line
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

    /// One chunk of exactly these entries; throws when one is invalid or they do not fit.
    public init(entries: [Entry]) throws {
        guard !entries.isEmpty else { throw LedgerError.invalidInput("a chunk needs at least one segment") }
        let text = try entries.map { try $0.line() }.joined(separator: "\n")
        guard text.utf8.count <= Self.maximumByteCount else {
            throw LedgerError.invalidInput("chunk of \(text.utf8.count) bytes is over the \(Self.maximumByteCount) consumers accept")
        }
        self.init(entries: entries, text: text)
    }

    private init(entries: [Entry], text: String) {
        self.entries = entries
        self.bytes = Array(text.utf8)
    }

    /// The chunks for a batch, in order, each as full as the limit allows. Throws when
    /// any entry is invalid; nothing is built in that case. No entries, no chunks.
    public static func split(_ entries: [Entry]) throws -> [AliveChunk] {
        var chunks: [AliveChunk] = []
        var lines: [String] = []
        var size = 0
        var first = 0
        for (index, entry) in entries.enumerated() {
            let line = try entry.line()
            if !lines.isEmpty && size + 1 + line.utf8.count > maximumByteCount {
                chunks.append(AliveChunk(entries: Array(entries[first..<index]), text: lines.joined(separator: "\n")))
                lines.removeAll()
                size = 0
                first = index
            }
            // One line always fits: a hash is at most 100 characters. Lines after the
            // first also take their "\n".
            size += (lines.isEmpty ? 0 : 1) + line.utf8.count
            lines.append(line)
        }
        if !lines.isEmpty { chunks.append(AliveChunk(entries: Array(entries[first...]), text: lines.joined(separator: "\n"))) }
        return chunks
    }
}

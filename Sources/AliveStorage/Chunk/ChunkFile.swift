/// One line of a chunk file: a stored segment's hash and its duration in seconds.
public struct ChunkEntry: Sendable, Equatable {
    public var hash: String
    public var duration: Double
    /// The first segment after a break in the stream: the line gets a third field `d`,
    /// which consumers that do not know it skip (AliveLedger's `AliveDiscontinuity`).
    public var discontinuity: Bool

    /// The third field of a marked line.
    public static let discontinuityField = "d"

    public init(hash: String, duration: Double, discontinuity: Bool = false) {
        self.hash = hash
        self.duration = duration
        self.discontinuity = discontinuity
    }

    /// `<hash>,<len>` (`<hash>,<len>,d` when marked) with len rounded to 3 decimals and
    /// printed like the reference daemon (JavaScript's number formatting: no trailing
    /// zeros, `4` not `4.000`).
    func line() throws(StorageError) -> String {
        guard !hash.isEmpty, hash.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ",") }) else {
            throw StorageError(.invalidChunkEntry, "hash must be printable ASCII without commas")
        }
        let millis = (duration * 1000).rounded()
        guard duration.isFinite, millis > 0, millis < 100_000 else {
            throw StorageError(.invalidChunkEntry, "len must be in (0, 100) seconds, got \(duration)")
        }
        let whole = Int(millis) / 1000
        var fraction = String(Int(millis) % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let line = fraction.isEmpty ? "\(hash),\(whole)" : "\(hash),\(whole).\(fraction)"
        return discontinuity ? line + "," + Self.discontinuityField : line
    }
}

/// The CSV file that bundles a batch of segments for one on-chain push: `<hash>,<len>`
/// lines (`<hash>,<len>,d` after a break) joined by `\n`, no header, no trailing newline, at most 4200 bytes (consumers
/// refuse larger ones). `ChunkFile.build` splits a batch that would not fit.
public struct ChunkFile: Sendable, Equatable {
    public static let maxBytes = 4200

    /// The entries in this file, in order.
    public let entries: [ChunkEntry]
    /// The file's exact bytes.
    public let text: String

    public var bytes: [UInt8] { Array(text.utf8) }

    /// Builds the chunk files for a batch, in order, each as full as it can be.
    /// Throws `.invalidChunkEntry` for an entry that is not a valid line; nothing is
    /// built in that case.
    public static func build(_ entries: [ChunkEntry]) throws(StorageError) -> [ChunkFile] {
        var files: [ChunkFile] = []
        var lines: [String] = []
        var current: [ChunkEntry] = []
        var size = 0
        for entry in entries {
            let line = try entry.line()
            let added = line.utf8.count + (lines.isEmpty ? 0 : 1)
            if !lines.isEmpty && size + added > maxBytes {
                files.append(ChunkFile(entries: current, text: lines.joined(separator: "\n")))
                lines.removeAll()
                current.removeAll()
                size = 0
            }
            guard line.utf8.count <= maxBytes else {
                throw StorageError(.invalidChunkEntry, "one line is longer than a chunk file may be")
            }
            size += line.utf8.count + (lines.isEmpty ? 0 : 1)
            lines.append(line)
            current.append(entry)
        }
        if !lines.isEmpty { files.append(ChunkFile(entries: current, text: lines.joined(separator: "\n"))) }
        return files
    }

    /// The object to hand to `StorageUploader.store`.
    public func storageObject(name: String) -> StorageObject {
        StorageObject(kind: .chunk, name: name, bytes: OwnedBytes(text.utf8))
    }
}

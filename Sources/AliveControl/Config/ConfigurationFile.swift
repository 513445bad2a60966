import Foundation

/// The configuration file and the two copies kept beside it: `<file>.last-good`, the last
/// text that passed every check (at a start, or saved from the API), which a start falls
/// back on; and `<file>.rejected`, the bytes of a file a start refused, kept for inspection.
public struct ConfigurationFile: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public var lastGoodPath: String { path + ".last-good" }
    public var rejectedPath: String { path + ".rejected" }

    /// Replaces the file with `text`, which has passed `BoxConfiguration.fileText`. The last
    /// good copy is written first: a power cut between the two renames leaves the old file
    /// and a newer valid copy, never a last good copy older than what the file says.
    func save(_ text: String) throws {
        let mode = self.mode
        try AtomicFile.write(text, to: lastGoodPath, mode: mode)
        try AtomicFile.write(text, to: path, mode: mode)
    }

    /// Keeps `bytes`, a file that just passed, as the last good copy; a copy that already
    /// holds them is left alone (an SD card is not rewritten at every start for nothing).
    func keepAsLastGood(_ bytes: [UInt8]) throws {
        if let kept = FileManager.default.contents(atPath: lastGoodPath), [UInt8](kept) == bytes { return }
        try AtomicFile.write(bytes, to: lastGoodPath, mode: mode)
    }

    /// The file's permission bits, for its copies; what the box writes (0644) before there is a file.
    var mode: mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0o644 }
        return info.st_mode & 0o7777
    }
}

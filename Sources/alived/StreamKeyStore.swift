import Foundation
import Logging

/// Where the stream key lives when the configuration leaves it empty: generated once,
/// kept in `<data dir>/stream-key` with mode 0600, never logged.
struct StreamKeyStore {
    let path: String

    init(directory: String) {
        path = (directory as NSString).appendingPathComponent("stream-key")
    }

    func resolve(configured: String, logger: Logger) throws -> String {
        if !configured.isEmpty { return configured }
        if let existing = try? String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return existing
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        let key = String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        // rename(2) is atomic: a power cut leaves no key or the whole key, never half of one.
        guard rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        logger.notice("generated a stream key", metadata: ["stream_key.file": "\(path)"])
        return key
    }
}

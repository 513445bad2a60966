import Foundation

/// Replaces a file in one step: written beside it, flushed, then renamed over it (rename(2)
/// is atomic), so a power cut leaves the old file or the new one, never half of one.
enum AtomicFile {
    static func replace(_ path: String, with text: String, mode: mode_t, owner: (uid: uid_t, gid: gid_t)?) throws {
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(temporary) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        // open(2) applies the umask; the mode must be exact (0600 for secrets).
        let complete = written == bytes.count && fchmod(descriptor, mode) == 0
            && (owner.map { fchown(descriptor, $0.uid, $0.gid) == 0 } ?? true) && fsync(descriptor) == 0
        close(descriptor)
        guard complete, rename(temporary, path) == 0 else {
            let error = failure(path)
            unlink(temporary)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Makes a rename or unlink in the file's directory durable.
    static func syncDirectory(of path: String) {
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent,
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private static func failure(_ path: String) -> Error {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
    }
}

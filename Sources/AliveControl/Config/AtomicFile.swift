import Foundation

/// Replaces a file so that a power cut leaves the old content or the new, never a torn
/// mix: write a temporary file beside it, fsync it, rename it over the old one, fsync the
/// directory (so the rename itself is durable). Short writes are continued, EINTR retried.
/// The box's one atomic writer (the configuration, the secrets, first boot's files).
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// `owner`: given to the file before it replaces the old one (first boot runs as root
    /// and writes files the service user reads).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, owner: (uid: uid_t, gid: gid_t)? = nil) throws {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // The mode given to open() is filtered by the umask: set it exactly.
            guard fchmod(fd, mode) == 0 else { throw Failure(description: "cannot set the mode of \(temporary): \(String(cString: strerror(errno)))") }
            if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
                throw Failure(description: "cannot set the owner of \(temporary): \(String(cString: strerror(errno)))")
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
            guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync \(temporary): \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot replace \(path): \(String(cString: strerror(errno)))") }
        ok = true
        syncDirectory(of: path)
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644, owner: (uid: uid_t, gid: gid_t)? = nil) throws {
        try write(Array(text.utf8), to: path, mode: mode, owner: owner)
    }

    /// Makes a rename or unlink in the file's directory durable.
    public static func syncDirectory(of path: String) {
        let parent = (path as NSString).deletingLastPathComponent
        let directory = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}

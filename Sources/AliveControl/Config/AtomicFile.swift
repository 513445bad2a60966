import Foundation

/// Replaces a file so that a power cut leaves the old content or the new, never a torn
/// mix: write a temporary file beside it, fsync it, rename it over the old one, fsync the
/// directory (so the rename itself is durable).
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
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
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }
}

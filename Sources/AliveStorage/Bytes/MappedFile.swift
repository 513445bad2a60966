#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file mapped read-only into memory, for `alived cid` and the benchmark:
/// the CID is computed over the mapping without reading the file into a buffer.
public final class MappedFile: SegmentBytes {
    private var base: UnsafeMutableRawPointer?
    public let count: Int
    public let path: String

    /// Opens and maps `path`. Throws `StorageError.file` when it cannot.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError.file(path: path, reason: Self.describe(errno)) }
        defer { Self.closeDescriptor(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StorageError.file(path: path, reason: Self.describe(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError.file(path: path, reason: "not a regular file")
        }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw StorageError.file(path: path, reason: Self.describe(errno))
        }
        _ = madvise(mapped, count, MADV_SEQUENTIAL)
        base = mapped
    }

    public func forEachRegion(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        guard let base else { return }
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Unmaps the file. The value must not be read afterwards.
    public func close() {
        if let base { munmap(base, count) }
        base = nil
    }

    deinit { close() }

    private static func closeDescriptor(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}

// The mapping is read-only and only unmapped by `close()`/deinit, which the owner calls
// once it no longer reads.
extension MappedFile: @unchecked Sendable {}

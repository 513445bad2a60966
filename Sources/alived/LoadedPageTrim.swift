#if os(Linux)
import Glibc
#endif
import Foundation
import Logging

/// Gives back, once the box is up, the pages of its program and shared libraries that only
/// loading touched.
///
/// An RTMP box maps some 150 shared objects: libavcodec alone brings x265, aom, rav1e,
/// librsvg, glib, gnutls and the rest of Debian's codec set, none of which the box calls.
/// Loading them reads their symbol tables, relocations and constructors, and every page
/// read stays in the process's resident set (with the kernel's fault-around, in 64 KiB
/// runs): at start-up about 45 MiB of the box's RSS was file-backed, more than it touches
/// while streaming. Those pages are clean copies of the files; dropping them from this
/// process's page tables (`MADV_DONTNEED`) leaves them in the page cache, and the code the
/// box does run faults back in on first use, so what stays resident is what streaming uses.
///
/// Only mappings that are byte for byte their file are dropped: read-only or read-execute,
/// private, of a shared object or of the program itself, and holding no anonymous page.
/// A mapping the loader wrote to (relocated read-only data, `.data`) holds anonymous
/// copy-on-write pages; dropping those would bring back the unrelocated bytes of the file,
/// so such a mapping is left whole. Nothing writes to a read-only mapping between the
/// check and the drop.
enum LoadedPageTrim {
    struct Mapping: Equatable {
        var start: UInt
        var end: UInt
        var permissions: String
        var path: String
        var residentKiB: Int
        var anonymousKiB: Int
    }

    struct Result: Equatable {
        /// Mappings dropped, and their resident size before.
        var dropped = 0
        var droppedKiB = 0
        /// Read-only mappings of the same files left because the loader wrote to them.
        var keptWritten = 0
    }

    /// The mappings of `/proc/self/smaps` (or `text`, for tests), with their sizes.
    static func mappings(smaps text: String) -> [Mapping] {
        var result: [Mapping] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, fields.count >= 5, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-")
                guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) else { continue }
                let path = fields.count >= 6 ? fields[5...].joined(separator: " ") : ""
                result.append(Mapping(start: start, end: end, permissions: String(fields[1]), path: path, residentKiB: 0, anonymousKiB: 0))
            } else if fields.count >= 2, !result.isEmpty, let kib = Int(fields[1]) {
                if fields[0] == "Rss:" { result[result.count - 1].residentKiB = kib }
                if fields[0] == "Anonymous:" { result[result.count - 1].anonymousKiB = kib }
            }
        }
        return result
    }

    /// The program and the shared objects: what the loader mapped.
    static func isLoadedObject(_ path: String, program: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let name = (path as NSString).lastPathComponent
        return path == program || name.hasSuffix(".so") || name.contains(".so.")
    }

    /// Whether `mapping` is a clean copy of its file: read-only or read-execute, private,
    /// resident, with no page the process wrote to.
    static func isCleanCopy(_ mapping: Mapping) -> Bool {
        (mapping.permissions == "r--p" || mapping.permissions == "r-xp") && mapping.anonymousKiB == 0 && mapping.residentKiB > 0
    }

    /// Drops the clean copies among the loaded objects' mappings in this process;
    /// `includes` may widen what counts as loaded (tests map a file of their own).
    static func trim(includes extra: (String) -> Bool = { _ in false }) -> Result {
        var result = Result()
        #if os(Linux)
        // Read to the end: /proc reports a size of 0, and String(contentsOfFile:) stops at
        // the first read's worth.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps"), let data = try? handle.readToEnd() else { return result }
        try? handle.close()
        let smaps = String(decoding: data, as: UTF8.self)
        let program = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        for mapping in mappings(smaps: smaps) where isLoadedObject(mapping.path, program: program) || extra(mapping.path) {
            guard isCleanCopy(mapping) else {
                if mapping.permissions.hasPrefix("r-"), mapping.anonymousKiB > 0 { result.keptWritten += 1 }
                continue
            }
            guard madvise(UnsafeMutableRawPointer(bitPattern: mapping.start), Int(mapping.end - mapping.start), MADV_DONTNEED) == 0 else { continue }
            result.dropped += 1
            result.droppedKiB += mapping.residentKiB
        }
        #endif
        return result
    }

    /// Trims once `isUp` says the box is up (its listeners bound: configuration, journal
    /// and libraries all loaded), polled every 50 ms for at most a minute, off every stage's
    /// thread; logs what it gave back.
    static func schedule(whenUp isUp: @escaping @Sendable () -> Bool, logger: Logger) {
        Task.detached(priority: .background) {
            let deadline = ContinuousClock.now + .seconds(60)
            while !isUp(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
            let result = trim()
            logger.info("start-up pages given back", metadata: [
                "memory.trimmed_mappings": "\(result.dropped)", "memory.trimmed_kib": "\(result.droppedKiB)",
                "memory.kept_relocated_mappings": "\(result.keptWritten)",
            ])
        }
    }
}

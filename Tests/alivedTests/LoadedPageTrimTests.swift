#if os(Linux)
import Glibc
#endif
import AliveTestSupport
@testable import alived
import Foundation
import Testing

@Suite struct LoadedPageTrimTests {
    @Test func readsTheMappingsAndTheirSizesFromSmaps() {
        let smaps = """
        55d0c0000000-55d0c2000000 r-xp 00000000 fd:01 1234   /usr/sbin/alived
        Size:              32768 kB
        Rss:               14000 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me
        7f0000000000-7f0000100000 r--p 00010000 fd:01 99     /usr/lib/x86_64-linux-gnu/librsvg-2.so.2.48.0
        Rss:                 660 kB
        Anonymous:           660 kB
        7f0000200000-7f0000300000 rw-p 00000000 00:00 0
        Rss:                 100 kB
        Anonymous:           100 kB
        7f0000400000-7f0000500000 r--p 00000000 fd:01 77     /data/with space/file
        Rss:                   8 kB
        Anonymous:             0 kB
        """
        let mappings = LoadedPageTrim.mappings(smaps: smaps)
        #expect(mappings.count == 4)
        #expect(mappings[0] == .init(start: 0x55d0_c000_0000, end: 0x55d0_c200_0000, permissions: "r-xp", path: "/usr/sbin/alived",
                                     residentKiB: 14000, anonymousKiB: 0))
        #expect(mappings[1].anonymousKiB == 660)
        #expect(mappings[2].path == "")
        #expect(mappings[3].path == "/data/with space/file")
        #expect(LoadedPageTrim.isCleanCopy(mappings[0]))
        #expect(!LoadedPageTrim.isCleanCopy(mappings[1]), "relocated: holds the loader's writes")
        #expect(!LoadedPageTrim.isCleanCopy(mappings[2]), "writable")
        #expect(LoadedPageTrim.isLoadedObject(mappings[0].path, program: "/usr/sbin/alived"))
        #expect(LoadedPageTrim.isLoadedObject(mappings[1].path, program: "/usr/sbin/alived"))
        #expect(LoadedPageTrim.isLoadedObject("/usr/lib/x86_64-linux-gnu/libc.so", program: "/usr/sbin/alived"))
        #expect(!LoadedPageTrim.isLoadedObject(mappings[3].path, program: "/usr/sbin/alived"), "a data file is not the loader's")
        #expect(!LoadedPageTrim.isLoadedObject("[vdso]", program: "/usr/sbin/alived"))
    }

    #if os(Linux)
    /// A read-only private mapping of a file of the test's own, read through: trimming drops
    /// it from the resident set and the bytes read afterwards are still the file's. A private
    /// mapping written to and then made read-only (what the loader does to relocated data)
    /// is left as it is, its written bytes intact.
    @Test func dropsCleanCopiesAndKeepsWrittenOnes() throws {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let length = 64 * pageSize
        let directory = TestScratch.directory("page-trim")
        let path = directory.appendingPathComponent("mapped.bin").path
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let descriptor = open(path, O_RDONLY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        guard let clean = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), clean != MAP_FAILED,
              let written = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0), written != MAP_FAILED
        else { Issue.record("mmap failed: \(errno)"); return }
        defer { munmap(clean, length); munmap(written, length) }
        var sum = 0
        for offset in stride(from: 0, to: length, by: pageSize) { sum &+= Int(clean.load(fromByteOffset: offset, as: UInt8.self)) }
        for offset in stride(from: 0, to: length, by: pageSize) { written.storeBytes(of: 0xAB, toByteOffset: offset, as: UInt8.self) }
        #expect(mprotect(written, length, PROT_READ) == 0)

        func mapping(at address: UnsafeMutableRawPointer) throws -> LoadedPageTrim.Mapping? {
            let smaps = String(decoding: try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps")).readToEnd() ?? Data(), as: UTF8.self)
            return LoadedPageTrim.mappings(smaps: smaps).first { $0.start == UInt(bitPattern: address) }
        }
        #expect(try mapping(at: clean)?.residentKiB ?? 0 >= length / 1024, "read through: resident")
        #expect(try mapping(at: written)?.anonymousKiB ?? 0 >= length / 1024, "written: its own copies")

        let result = LoadedPageTrim.trim { $0 == path }
        #expect(result.dropped >= 1)
        #expect(result.keptWritten >= 1)
        #expect(try mapping(at: clean)?.residentKiB == 0, "dropped from this process")
        #expect(try mapping(at: written)?.anonymousKiB ?? 0 >= length / 1024, "the written copy is kept")
        for offset in stride(from: 0, to: length, by: pageSize) {
            #expect(clean.load(fromByteOffset: offset, as: UInt8.self) == bytes[offset], "the file's bytes, faulted back in")
            #expect(written.load(fromByteOffset: offset, as: UInt8.self) == 0xAB, "the written bytes, not the file's")
        }
        _ = sum
    }
    #endif
}

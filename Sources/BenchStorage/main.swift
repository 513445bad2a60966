// alived-bench-storage: the storage budgets, measured in one run against references
// run in the same invocation on the same bytes.
//
// Usage (from the package root, after `scripts/install-deps --test`):
//   bench/storage                      # builds release, then runs this
//   .build/release/alived-bench-storage [--cid-mb 256] [--upload-mb 8] [--uploads 20]
//       [--memory-uploads 100] [--small-requests N]   (N > 0: also N stores of 1 KiB
//       segments, Anonymous each quarter: per-request growth shows up there)
//
// Prints:
//   1. Anonymous memory of this process (/proc/self/smaps_rollup `Anonymous`) before,
//      during and after 100 uploads of 8 MB segments through StorageUploader (CID +
//      Kubo add), the segments held in 64 KiB pages as the ring holds them. Target: no
//      growth (the segment is read in place, never copied whole).
//   2. Loopback upload throughput to the Kubo front (Tests/Support/kubo_front.py, real
//      Kubo) with HTTPClient, next to the `curl` CLI posting the same file to the same
//      front. Target: ≥ 0.9×.
//   3. CID throughput (MB/s, CIDv0 and CIDv1, over 64 KiB pages like the ring) next to
//      `sha256sum` on the same bytes (file in the page cache). Target: ≥ 0.8×.
import AliveStorage
import CMalloc
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var cidMegabytes = 256
    var uploadMegabytes = 8
    var uploads = 20
    var memoryUploads = 100
    var smallRequests = 0

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next().flatMap(Int.init)
            switch (argument, value) {
            case ("--cid-mb", let v?): cidMegabytes = v
            case ("--upload-mb", let v?): uploadMegabytes = v
            case ("--uploads", let v?): uploads = v
            case ("--memory-uploads", let v?): memoryUploads = v
            case ("--small-requests", let v?): smallRequests = v
            default:
                FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { buffer in
        let words = buffer.bindMemory(to: UInt64.self)
        for index in words.indices { words[index] = generator.next() }
    }
    return bytes
}

/// Best of `runs` wall-clock times of `body`.
func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<runs {
        let started = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - started
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    return best
}

func bestAsync(of runs: Int, _ body: () async throws -> Void) async rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<runs {
        let started = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - started
        best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
    return best
}

@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError("\(executable) exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func anonymousKilobytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/smaps_rollup", encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix("Anonymous:") {
        return Int(line.split(separator: " ")[1]) ?? -1
    }
    return -1
}

/// The loopback Kubo front, started from the package root's virtualenv.
final class Front {
    let process = Process()
    let input = Pipe()
    let port: Int

    init() throws {
        let root = FileManager.default.currentDirectoryPath
        process.executableURL = URL(fileURLWithPath: "\(root)/.venv/bin/python")
        process.arguments = ["\(root)/Tests/Support/kubo_front.py"]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("\n") && Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6).prefix { $0.isNumber }) else {
            process.terminate()
            throw BenchError("kubo front did not start (run from the package root after scripts/install-deps --test): \(text)")
        }
        self.port = port
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// `Anonymous` right after glibc's malloc_trim has handed cached free heap memory back to
/// the kernel: what is in use rather than what the allocator keeps around.
func trimmedAnonymousKilobytes() -> Int {
    _ = malloc_trim(0)
    return anonymousKilobytes()
}

func megabytesPerSecond(_ bytes: Int, _ seconds: Double) -> Double { Double(bytes) / 1e6 / seconds }

func format(_ value: Double) -> String { String(format: "%.1f", value) }

let options = Options(Array(CommandLine.arguments.dropFirst()))
var logger = Logger(label: "bench")
logger.logLevel = .error
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alived-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }

// The front and client first, then memory while the process holds nothing large.
let front = try Front()
defer { front.stop() }
let client = try HTTPClient(logger: logger)
defer { client.shutdown() }
let addURL = "http://127.0.0.1:\(front.port)/api/v0/add?cid-version=0&pin=true"
// 1. Anonymous memory over 100 uploads of 8 MB segments ---------------------------
do {
    let uploader = try StorageUploader(
        configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: "http://127.0.0.1:\(front.port)")])),
        client: client, logger: logger)
    // A small "ring": four 8 MB segments in 64 KiB pages, allocated before measuring.
    let segments = (0..<4).map { _ in PagedBytes(randomBytes(8 * 1_048_576), pageSize: 65_536) }
    // Warm-up: first connection, TLS/curl/JSON one-time allocations.
    for index in 0..<5 {
        _ = try await uploader.store(StorageObject(kind: .segment, name: "warm-\(index).ts", bytes: segments[index % segments.count]))
    }
    // Each reading first hands malloc's cached free memory back (malloc_trim), so it
    // counts pages in use; the raw reading (allocator cache included) is printed too.
    let rawBefore = anonymousKilobytes()
    let before = trimmedAnonymousKilobytes()
    var readings: [Int] = []
    let started = ContinuousClock.now
    for index in 0..<options.memoryUploads {
        _ = try await uploader.store(StorageObject(kind: .segment, name: "\(index).ts", bytes: segments[index % segments.count]))
        if (index + 1) % max(1, options.memoryUploads / 4) == 0 { readings.append(trimmedAnonymousKilobytes()) }
    }
    let elapsed = ContinuousClock.now - started
    let rawAfter = anonymousKilobytes()
    let after = trimmedAnonymousKilobytes()
    withExtendedLifetime(segments) {}  // the "ring" stays allocated through the last reading
    print("memory: Anonymous \(before) kB before, \(after) kB after \(options.memoryUploads) uploads of 8 MiB segments "
          + "(\(after - before >= 0 ? "+" : "")\(after - before) kB; each quarter: \(readings.map(String.init).joined(separator: ", ")) kB; "
          + "without malloc_trim \(rawBefore) -> \(rawAfter) kB; ring of 4 segments = 32768 kB of it; "
          + "\(format(Double(elapsed.components.seconds))) s incl. CID + Kubo add)  [target: no growth]")
}

// Optional: many small segments through StorageUploader (CID + HTTP + answer check), to
// tell per-request growth from allocator behaviour around large buffers.
if options.smallRequests > 0 {
    let uploader = try StorageUploader(
        configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: "http://127.0.0.1:\(front.port)")])),
        client: client, logger: logger)
    let small = StorageObject(kind: .segment, name: "small.ts", bytes: OwnedBytes(randomBytes(1024)))
    for _ in 0..<20 { _ = try await uploader.store(small) }
    var readings = [trimmedAnonymousKilobytes()]
    for _ in 0..<4 {
        for _ in 0..<(options.smallRequests / 4) { _ = try await uploader.store(small) }
        readings.append(trimmedAnonymousKilobytes())
    }
    print("small segments: \(options.smallRequests) x 1 KiB stored, Anonymous each quarter: \(readings.map(String.init).joined(separator: ", ")) kB")
}

// 2. Upload vs curl CLI --------------------------------------------------------------
do {
    let count = options.uploadMegabytes * 1_000_000
    let bytes = randomBytes(count)
    let path = directory.appendingPathComponent("upload.ts").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let pages = PagedBytes(bytes, pageSize: 65_536)
    let uploads = options.uploads

    // curl: one process, the same form posted `uploads` times over one connection.
    let curlArguments = ["-sS", "--fail", "-F", "file=@\(path);type=video/mp2t"]
        + Array(repeating: ["-o", "/dev/null", addURL], count: uploads).flatMap { $0 }
    try run("/usr/bin/curl", Array(curlArguments.prefix(6)) + [addURL])  // warm-up
    let curlSeconds = try best(of: 3) { try run("/usr/bin/curl", curlArguments) }

    let form = MultipartForm([.file("file", filename: "upload.ts", contentType: "video/mp2t", bytes: pages)])
    let request = HTTPRequest(method: .post, url: addURL, body: .multipart(form))
    _ = try await client.send(request)  // warm-up
    let oursSeconds = try await bestAsync(of: 3) {
        for _ in 0..<uploads {
            let response = try await client.send(request)
            guard response.status == 200 else { throw BenchError("upload answered \(response.status)") }
        }
    }
    let total = count * uploads
    print("upload: \(uploads) x \(options.uploadMegabytes) MB to the Kubo front: curl \(format(megabytesPerSecond(total, curlSeconds))) MB/s | "
          + "HTTPClient \(format(megabytesPerSecond(total, oursSeconds))) MB/s (\(String(format: "%.2f", curlSeconds / oursSeconds))x)  [target >= 0.90x]")
}

// 3. CID vs sha256sum --------------------------------------------------------------
do {
    let count = options.cidMegabytes * 1_000_000
    let bytes = randomBytes(count)
    let path = directory.appendingPathComponent("cid.bin").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let pages = PagedBytes(bytes, pageSize: 65_536)
    _ = try run("/usr/bin/sha256sum", [path])  // warm the page cache
    let shaSeconds = try best(of: 3) { _ = try run("/usr/bin/sha256sum", [path]) }
    var results: [String] = []
    for version in CIDVersion.allCases {
        let hasher = UnixFSFileHasher(version: version)
        let seconds = best(of: 3) { _ = hasher.cid(of: pages) }
        results.append("CIDv\(version.rawValue) \(format(megabytesPerSecond(count, seconds))) MB/s (\(String(format: "%.2f", shaSeconds / seconds))x)")
    }
    print("cid: \(options.cidMegabytes) MB in 64 KiB pages: sha256sum \(format(megabytesPerSecond(count, shaSeconds))) MB/s | "
          + results.joined(separator: " | ") + "  [target >= 0.80x]")
}

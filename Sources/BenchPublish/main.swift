// alived-bench-publish: the publishing budgets, measured in one run.
//
// Usage (from the package root, after `scripts/install-deps --test`):
//   bench/publish                      # builds release, then runs this
//   .build/release/alived-bench-publish [--segments 600] [--spacing-ms 5] [--transactions 2000] [--pushes 200]
//
// Prints:
//   1. Signing time per transaction: a Hive op-0 push (payload, serialization, digest,
//      canonical signing loop, JSON, id) and an Avalon type-26 push (JS-exact JSON,
//      hash, signature, body), next to one plain libsecp256k1 recoverable signature as
//      the reference.
//   2. Journal `recordPush` per push (reserve the seq, sign, commit with fsync): what
//      exactly-once costs before each broadcast, on this disk.
//   3. The delay from "segment stored" (the publisher's `segmentStored` call) to the
//      AliveDB push request arriving at the loopback AliveDB double (its own arrival
//      clock, CLOCK_REALTIME on both sides), p50/p99/max over the segments. Target:
//      p99 ≤ 5 ms. Reference in the same run: the same requests sent straight through
//      a bare HTTPClient (request handed over → arrival), and the ratio.
// The publisher runs as in the box: Hive network, journal on disk, AliveDB with a
// token sign-in (the Hive double gives the head block); the batch interval is 300 s so
// no ledger push competes within the run, which ends by cancellation (no flush).
import AliveJournal
import AliveLedger
import AlivePublish
import AliveStorage
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var segments = 600
    var spacingMilliseconds = 5
    var transactions = 2_000
    var pushes = 200

    init(_ arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            let value = iterator.next().flatMap(Int.init)
            switch (argument, value) {
            case ("--segments", let v?): segments = max(v, 500)
            case ("--spacing-ms", let v?): spacingMilliseconds = max(v, 0)
            case ("--transactions", let v?): transactions = max(v, 1)
            case ("--pushes", let v?): pushes = max(v, 1)
            default:
                FileHandle.standardError.write(Data("usage: alived-bench-publish [--segments N≥500] [--spacing-ms N] [--transactions N] [--pushes N]\n".utf8))
                exit(2)
            }
        }
    }
}

// A made-up key (the ledger vectors' test key), not an account; its public key string
// for the doubles comes from hive-nectar (see Tests/AlivePublishTests).
let postingWIF = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
let postingPublic = "TST5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs"
let chainIDHex = "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e"
let packageRoot = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)

@main
struct BenchPublish {
    static func main() async throws {
        let options = Options(Array(CommandLine.arguments.dropFirst()))
        let context = try Secp256k1Context()
        defer { context.close() }
        let key = try PrivateKey(hiveWIF: postingWIF)
        let chain = try HiveChain(chainIDHex: chainIDHex, publicKeyPrefix: "TST")
        let signer = try HiveSigner(key: key, chain: chain, context: context)

        say("alived-bench-publish: \(options.transactions) signatures, \(options.pushes) journaled pushes, "
              + "\(options.segments) segments \(options.spacingMilliseconds) ms apart")
        try signing(options, key: key, signer: signer, context: context)
        try journaling(options, signer: signer)
        try await aliveDBLatency(options, signer: signer, context: context)
    }

    // MARK: 1. signing

    static func signing(_ options: Options, key: PrivateKey, signer: HiveSigner, context: Secp256k1Context) throws {
        let head = try HiveDynamicGlobalProperties(
            headBlockNumber: 76_092_780, headBlockIDHex: "0489156ce51562088e21cf7aee70bbdf6832965d", time: "2024-01-01T00:00:00")
        let avalon = try AvalonSigner(key: key, context: context)
        let count = options.transactions
        let digests = (0..<count).map { i in (0..<32).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) } }
        let reference = try meanMicroseconds(count) { i in _ = try context.signRecoverable(digest: digests[i], key: key) }
        let hive = try meanMicroseconds(count) { i in
            let operation = AliveOperation.push(
                seq: UInt64(i % 17_000), link: "stream1",
                content: .segment(src: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", duration: 10.033))
            let transaction = try HiveTransaction(referencing: head, expiresAfter: 300, operations: [operation.customJSON(streamer: "alice")])
            let signed = try signer.sign(transaction)
            _ = try signed.jsonText()
            _ = signed.id
        }
        let avalonTime = try meanMicroseconds(count) { i in
            let transaction = try AvalonTransaction.playlistPush(
                sender: "alice", link: "stream1", seq: UInt64(i % 10_000),
                content: .chunk(src: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"), ts: 1_704_067_200_000 + Int64(i))
            _ = try avalon.sign(transaction).bodyText()
        }
        say(String(format: "1. signing per transaction: hive op 0 %.1f µs, avalon type 26 %.1f µs; "
                     + "reference libsecp256k1 signature %.1f µs (ratios %.2f, %.2f)",
                     hive, avalonTime, reference, hive / reference, avalonTime / reference))
    }

    // MARK: 2. journaling before broadcast

    static func journaling(_ options: Options, signer: HiveSigner) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alived-bench-journal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path)
        defer { try? journal.close() }
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: "bench")
        let head = try HiveDynamicGlobalProperties(
            headBlockNumber: 76_092_780, headBlockIDHex: "0489156ce51562088e21cf7aee70bbdf6832965d", time: "2024-01-01T00:00:00")
        var samples: [Double] = []
        for i in 0..<options.pushes {
            let cid = syntheticCID(i)
            try journal.recordSegment(stream, sequence: Int64(i), cid: cid, duration: 10)
            let started = ContinuousClock.now
            _ = try journal.recordPush(stream, content: .segment(sequence: Int64(i))) { seq in
                let operation = AliveOperation.push(seq: UInt64(seq), link: "bench", content: .segment(src: cid, duration: 10))
                let transaction = try HiveTransaction(referencing: head, expiresAfter: 300, operations: [operation.customJSON(streamer: "alice")])
                let signed = try signer.sign(transaction)
                return JournalSignedTransaction(transactionID: signed.id, body: try signed.jsonText(),
                                                serialized: transaction.serialized(), expiration: Int64(signed.expiration))
            }
            samples.append(milliseconds(ContinuousClock.now - started))
        }
        say(String(format: "2. journal recordPush (seq + signature + fsync) per push: p50 %.2f ms, p99 %.2f ms (%d pushes)",
                     percentile(samples, 0.5), percentile(samples, 0.99), samples.count))
    }

    // MARK: 3. segment stored → AliveDB

    static func aliveDBLatency(_ options: Options, signer: HiveSigner, context: Secp256k1Context) async throws {
        let doubles = try Doubles.start()
        defer { doubles.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alived-bench-publish-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path)
        defer { try? journal.close() }
        let http = try HTTPClient()
        defer { http.shutdown() }

        var configuration = PublishingConfiguration()
        configuration.network = .hive
        configuration.streamer = "alice"
        configuration.link = "bench"
        configuration.batchInterval = .seconds(300)
        configuration.configureOnStart = false
        configuration.endOnStop = false
        configuration.hive.apiNodes = doubles.hive
        configuration.hive.chainIDHex = chainIDHex
        configuration.hive.publicKeyPrefix = "TST"
        configuration.aliveDB = .init(url: doubles.aliveDB)
        configuration.aliveDB?.queueCapacity = 1024
        // Chunks would go to this uploader; none is made within the run (interval 300 s).
        let storage = try StorageUploader(
            configuration: StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: doubles.control)])), client: http)
        var logger = Logger(label: "bench.publish")
        logger.logLevel = .error
        let publisher = try Publisher(
            configuration: configuration, secrets: PublishingSecrets(postingKey: try PrivateKey(hiveWIF: postingWIF)),
            journal: journal, http: http, chunkStorage: storage, context: context, logger: logger)
        let running = Task { try await publisher.run() }

        // Warm-up: sign-in and the first connection are not what is measured.
        await publisher.segmentStored(sequence: 0, hash: syntheticCID(1_000_000), duration: 10)
        while publisher.status.aliveDBPushed < 1 { try await Task.sleep(for: .milliseconds(5)) }

        var stored: [String: Int64] = [:]
        for i in 0..<options.segments {
            let cid = syntheticCID(i)
            stored[cid] = realtimeNanoseconds()
            await publisher.segmentStored(sequence: UInt64(i + 1), hash: cid, duration: 10)
            try await Task.sleep(for: .milliseconds(options.spacingMilliseconds))
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while publisher.status.aliveDBPushed < options.segments + 1 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        running.cancel()
        _ = await running.result
        let arrivals = try await doubles.arrivals(http)
        let delays = stored.compactMap { cid, start in arrivals[cid].map { Double($0 - start) / 1e6 } }

        // Reference: the same kind of request straight through HTTPClient.
        let token = try await doubles.token(http, signer: signer)
        var reference: [Double] = []
        for i in 0..<options.segments {
            let cid = syntheticCID(2_000_000 + i)
            let body = try AliveDBPushStream(streamer: "alice", link: "bench", src: cid, duration: 10).jsonText()
            let request = HTTPRequest.postJSON(doubles.aliveDB + "/pushStream", json: Array(body.utf8),
                                               headers: [HTTPHeader("Authorization", "Bearer " + token)])
            let start = realtimeNanoseconds()
            let response = try await http.send(request)
            guard response.isSuccess else { throw BenchError("reference push refused: \(response.status)") }
            stored[cid] = start
            try await Task.sleep(for: .milliseconds(options.spacingMilliseconds))
        }
        let referenceArrivals = try await doubles.arrivals(http)
        for i in 0..<options.segments {
            let cid = syntheticCID(2_000_000 + i)
            if let arrival = referenceArrivals[cid], let start = stored[cid] { reference.append(Double(arrival - start) / 1e6) }
        }
        let status = publisher.status
        say(String(format: "3. segment stored → AliveDB request at the double: p50 %.2f ms, p99 %.2f ms, max %.2f ms "
                     + "(%d of %d arrived, %d dropped, %d failed) — target p99 ≤ 5 ms: %@",
                     percentile(delays, 0.5), percentile(delays, 0.99), delays.max() ?? .nan, delays.count, options.segments,
                     status.aliveDBDropped, status.aliveDBFailed, percentile(delays, 0.99) <= 5 ? "met" : "NOT MET"))
        say(String(format: "   reference, bare HTTPClient request → arrival: p50 %.2f ms, p99 %.2f ms; ratio p50 %.2f, p99 %.2f",
                     percentile(reference, 0.5), percentile(reference, 0.99),
                     percentile(delays, 0.5) / percentile(reference, 0.5), percentile(delays, 0.99) / percentile(reference, 0.99)))
    }
}

/// Tests/Support/ledger_doubles.py, started from the package root's virtualenv.
final class Doubles {
    let process: Process
    let input: Pipe
    let hive: [String]
    let aliveDB: String
    let control: String
    let directory: URL

    static func start() throws -> Doubles {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alived-bench-doubles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let accounts = directory.appendingPathComponent("accounts.json")
        try Data("{\"hive\": {\"alice\": {\"posting\": [\"\(postingPublic)\"]}}}".utf8).write(to: accounts)
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw BenchError("no \(python.path): run scripts/install-deps --test (from the package root)")
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [packageRoot.appendingPathComponent("Tests/Support/ledger_doubles.py").path, "--accounts", accounts.path,
                             "--chain-id", chainIDHex, "--prefix", "TST", "--hive-nodes", "1"]
        let input = Pipe(), output = Pipe()
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
        guard let line = text.split(separator: "\n").first, line.hasPrefix("READY "),
              let ports = try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
              let hive = ports["hive"] as? [Int], let alivedb = ports["alivedb"] as? Int, let control = ports["control"] as? Int
        else {
            process.terminate()
            throw BenchError("ledger doubles did not start: \(text)")
        }
        return Doubles(process: process, input: input, hive: hive.map { "http://127.0.0.1:\($0)" },
                       aliveDB: "http://127.0.0.1:\(alivedb)", control: "http://127.0.0.1:\(control)", directory: directory)
    }

    private init(process: Process, input: Pipe, hive: [String], aliveDB: String, control: String, directory: URL) {
        self.process = process
        self.input = input
        self.hive = hive
        self.aliveDB = aliveDB
        self.control = control
        self.directory = directory
    }

    func stop() {
        if process.isRunning { process.terminate() }
        try? input.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: directory)
    }

    /// src → arrival (ns, CLOCK_REALTIME) of every AliveDB push the double took.
    func arrivals(_ http: HTTPClient) async throws -> [String: Int64] {
        let response = try await http.send(.get(control + "/__state"))
        guard let state = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let aliveDB = state["alivedb"] as? [String: Any], let items = aliveDB["items"] as? [[String: Any]]
        else { throw BenchError("no state from the doubles") }
        var out: [String: Int64] = [:]
        for item in items {
            if let src = item["src"] as? String, let arrival = (item["arrival_ns"] as? NSNumber)?.int64Value { out[src] = arrival }
        }
        return out
    }

    /// An AliveDB access token, signed in the way the publisher does.
    func token(_ http: HTTPClient, signer: HiveSigner) async throws -> String {
        let user = try await http.send(.get(aliveDB + "/currentUser"))
        guard let object = try JSONSerialization.jsonObject(with: Data(user.body)) as? [String: Any],
              let authID = object["authId"] as? String else { throw BenchError("no authId") }
        let hive = HiveNodeClient(nodes: self.hive, http: http, requestTimeout: .seconds(5), cooldown: .zero, logger: Logger(label: "bench"))
        let message = try AliveDBLoginMessage(streamer: "alice", link: "bench", authID: authID, head: try await hive.dynamicGlobalProperties())
        let response = try await http.send(HTTPRequest(
            method: .post, url: aliveDB + "/getToken",
            body: .bytes(OwnedBytes(Array(try message.tokenRequestBody(signer: signer).utf8)), contentType: "text/plain")))
        guard let answer = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              let token = answer["access_token"] as? String else { throw BenchError("no token: \(response.bodyText())") }
        return token
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A well-formed, distinct CIDv0-shaped hash for segment `n` (the ledger carries text).
func syntheticCID(_ n: Int) -> String {
    let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
    var state = UInt64(n) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var text = "Qm"
    for _ in 0..<44 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        text.append(alphabet[Int(state % 58)])
    }
    return text
}

func realtimeNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
}

func meanMicroseconds(_ count: Int, _ body: (Int) throws -> Void) throws -> Double {
    let start = ContinuousClock.now
    for i in 0..<count { try body(i) }
    return milliseconds(ContinuousClock.now - start) * 1e3 / Double(count)
}

/// One line to stdout at once (print would sit in a buffer when stdout is a pipe).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

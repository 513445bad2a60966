import AliveJournal
import AliveStorage
import AliveTestSupport
import Foundation
import Testing

/// Publishes real HLS segments (Kubo, AliveDB, the Hive double) from a child process
/// that is killed with SIGKILL at random points, again and again, then restarted; a
/// last run flushes and ends the stream. Then:
///   - the Hive double (signatures checked by hive-nectar) holds seqs 0…n−1 once each,
///     in order, then exactly one end of stream;
///   - the stream rebuilt the way HAlive does (single pushes with `len`, chunks fetched
///     back from Kubo) is every segment exactly once, in order, with its duration, and
///     ffprobe plays it through;
///   - AliveDB holds every segment (at least once: a segment pushed but not yet journaled
///     when the child died is pushed again, so at most one repeat per kill);
///   - after every kill the journal is sound with seqs 0…n−1 and resumes right after,
///     and enough kills fell between recording a push and seeing it on-chain.
@Suite(.serialized, .timeLimit(.minutes(8))) struct PublishCrashTests {
    static let kills = 55
    static let segmentSeconds = 0.5
    static let sourceSeconds = 60
    static let link = "crashtest"

    @Test func survivesRepeatedKillNineAndConsumersRebuildTheStream() async throws {
        let started = ContinuousClock.now
        let directory = TestScratch.directory("publish-crash")
        let segments = directory.appendingPathComponent("segments")
        try FileManager.default.createDirectory(at: segments, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        // Real segments: 10 fps H.264, a keyframe every 0.5 s, cut every 0.5 s.
        try ExternalProcess.run("ffmpeg", [
            "-v", "error", "-f", "lavfi", "-i", "testsrc=size=128x72:rate=10", "-t", "\(Self.sourceSeconds)",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "5", "-keyint_min", "5", "-sc_threshold", "0",
            "-f", "hls", "-hls_time", "\(Self.segmentSeconds)", "-hls_list_size", "0",
            "-hls_segment_filename", segments.appendingPathComponent("seg%03d.ts").path,
            segments.appendingPathComponent("source.m3u8").path,
        ], timeout: 120)
        let source = try Self.playlist(segments)
        try #require(source.count >= 100, "ffmpeg made \(source.count) segments")

        let doubles = try await LedgerDoubles.start()
        let kubo = try await SupportScript.start(script: "kubo_front.py", arguments: [])
        let kuboURL = "http://127.0.0.1:\(kubo.payload)"
        defer {
            doubles.stop()
            kubo.stop()
        }
        let configFile = directory.appendingPathComponent("alived.toml")
        try Data(Self.config(doubles).utf8).write(to: configFile)
        let secretsFile = directory.appendingPathComponent("secrets.toml")
        try Data("posting_key = \"\(TestKeys.postingWIF)\"\nstream_key = \"not-ours\"\n".utf8).write(to: secretsFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretsFile.path)
        let journalPath = directory.appendingPathComponent("journal.sqlite").path
        let helper = try builtExecutable("alived-crash-publish")
        let arguments = [
            "--config", configFile.path, "--secrets", secretsFile.path, "--journal", journalPath,
            "--segments", segments.path, "--kubo", kuboURL, "--pace-ms", "60",
        ]
        let stream = JournalStreamKey(network: "hive", streamer: "alice", link: Self.link)

        var generator = SystemRandomNumberGenerator()
        var expectedNextSeq: Int64 = 0
        var reportedStored = Set<Int>()
        var runsPastReady = 0
        var recoveries = 0  // starts that found a push recorded but not yet seen on-chain
        for run in 0..<Self.kills {
            let child = try ChildLines(executable: helper, arguments: arguments + (run == 0 ? ["--configure"] : []))
            var lines: [String]
            if run % 5 == 4 {
                // Anywhere in start-up: journal open, key check, seq cross-check, recovery.
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
                lines = try child.killAndCollect(timeout: .seconds(20))
            } else {
                lines = try child.readUntil("ready", timeout: .seconds(30))
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...700, using: &generator)))
                lines += try child.killAndCollect(timeout: .seconds(20))
                runsPastReady += 1
            }
            for line in lines {
                let fields = line.split(separator: " ")
                switch fields.first {
                case "ready":
                    #expect(fields.count == 4 && Int64(fields[1]) == expectedNextSeq,
                            "run \(run): \(line), the journal held next seq \(expectedNextSeq)")
                    if fields.count == 4, let unconfirmed = Int(fields[3]), unconfirmed > 0 { recoveries += 1 }
                case "stored": reportedStored.insert(Int(fields[1])!)
                case "all-stored": break
                default: Issue.record("run \(run): unexpected line \(line)")
                }
            }
            // The journal as the next start finds it.
            let journal = try Journal(path: journalPath)
            defer { try? journal.close() }
            #expect(try journal.integrityProblems() == [], "run \(run)")
            let pushes = try journal.pushes(stream)
            #expect(pushes.map(\.seq) == Array(0..<Int64(pushes.count)), "run \(run): seqs are not 0..<n")
            #expect(try journal.nextSeq(stream) == Int64(pushes.count))
            let recorded = try journal.segments(stream)
            #expect(recorded.map(\.sequence) == Array(0..<Int64(recorded.count)), "run \(run): journal numbering has a hole")
            #expect(recorded.count >= reportedStored.count, "run \(run): a segment reported recorded was lost")
            expectedNextSeq = Int64(pushes.count)
        }

        // Last run: everything in, then a graceful stop (flush, end of stream).
        let last = try ChildLines(executable: helper, arguments: arguments + ["--finish"])
        let tail = try last.readUntil("done", timeout: .seconds(180))
        try last.waitForExit(timeout: .seconds(30))
        #expect(last.terminationStatus == 0)
        #expect(tail.last?.contains("ended=true") == true, "\(tail.suffix(2))")

        // The chain: seqs 0…n−1 once each, in order, then one end.
        let state = try await doubles.state()
        let ops = state.aliveOps(link: Self.link)
        let pushes = ops.filter { $0.op == 0 }
        #expect(pushes.map(\.seq) == Array(0..<pushes.count), "seqs on-chain: \(pushes.map(\.seq))")
        #expect(ops.filter { $0.op == 1 }.count == 1 && ops.last?.op == 1, "exactly one end, last")
        #expect(ops.filter { $0.op == 2 }.count <= 1)
        #expect(state.hive.refusals.allSatisfy { !$0.message.contains("Missing Posting Authority") })

        // Rebuilt the way HAlive does: a push with len is one segment, else a chunk.
        let client = try HTTPClient()
        defer { client.shutdown() }
        var rebuilt: [(hash: String, duration: Double)] = []
        for push in pushes {
            let src = try #require(push.src)
            if let len = push.len {
                rebuilt.append((src, len))
                continue
            }
            let chunk = try await client.send(.get("\(kuboURL)/ipfs/\(src)"))
            try #require(chunk.status == 200, "chunk \(src) not in Kubo")
            let text = String(decoding: chunk.body, as: UTF8.self)
            #expect(chunk.body.count <= 4200 && !text.hasSuffix("\n"))
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let parts = line.split(separator: ",")
                // `hash,len`, or `hash,len,d` for the first segment after a restart (the discontinuity mark).
                try #require(parts.count == 2 || (parts.count == 3 && parts[2] == "d"), "bad chunk line \(line)")
                rebuilt.append((String(parts[0]), try #require(Double(parts[1]))))
            }
        }
        let expectedCIDs = try await Self.kuboCIDs(source.map(\.path), kuboURL: kuboURL, client: client)
        #expect(rebuilt.map(\.hash) == expectedCIDs, "every segment exactly once, in order (\(rebuilt.count) of \(expectedCIDs.count))")
        #expect(zip(rebuilt, source).allSatisfy { abs($0.duration - $1.duration) < 0.0006 }, "durations as published")

        // AliveDB: every segment at least once; repeats only from kills.
        let aliveDB = state.alivedb.items.filter { $0.link == Self.link }.map(\.src)
        #expect(Set(aliveDB) == Set(expectedCIDs))
        #expect(aliveDB.count - expectedCIDs.count <= Self.kills, "\(aliveDB.count - expectedCIDs.count) repeats")
        #expect(aliveDB.count >= expectedCIDs.count)

        // The journal agrees: all confirmed, nothing waiting.
        let journal = try Journal(path: journalPath)
        defer { try? journal.close() }
        #expect(try journal.integrityProblems() == [])
        #expect(try journal.pushes(stream).allSatisfy { $0.state == .confirmed })
        #expect(try journal.segmentsAwaitingLedger(stream).isEmpty)

        // A consumer plays it: ffprobe reads every frame, in order. Gateway URLs have no
        // extension (as in HAlive's playlists): ffmpeg's extension checks are relaxed for them.
        let playlist = directory.appendingPathComponent("rebuilt.m3u8")
        var text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n"
        for segment in rebuilt { text += "#EXTINF:\(segment.duration),\n\(kuboURL)/ipfs/\(segment.hash)\n" }
        text += "#EXT-X-ENDLIST\n"
        try Data(text.utf8).write(to: playlist)
        let probe = try ExternalProcess.run("ffprobe", [
            "-v", "error", "-protocol_whitelist", "file,http,tcp", "-allowed_extensions", "ALL", "-allowed_segment_extensions", "ALL",
            "-extension_picky", "0",
            "-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0", playlist.path,
        ], timeout: 180)
        #expect(probe.status == 0, "\(probe.stderr)")
        // One "pts," line per packet (blank lines between).
        let times = probe.stdout.split(separator: "\n").compactMap { Double($0.prefix { $0 != "," }) }
        #expect(times.count == Self.sourceSeconds * 10, "frames read: \(times.count)")
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "frames in order")
        #expect((times.last ?? 0) - (times.first ?? 0) > Double(Self.sourceSeconds) - 0.2)

        // The kills did land between recording a push and seeing it on-chain.
        #expect(recoveries >= 3, "only \(recoveries) starts had a push to recover")
        print("publish-crash stats: kills \(Self.kills), runs past ready \(runsPastReady), recoveries \(recoveries), pushes \(pushes.count), "
              + "segments \(expectedCIDs.count), alivedb repeats \(aliveDB.count - expectedCIDs.count), "
              + "elapsed \(ContinuousClock.now - started)")
        #expect(ContinuousClock.now - started < .seconds(420))
    }

    static func config(_ doubles: LedgerDoubles) -> String {
        """
        [ingest]
        rtmp_port = 1935

        [publishing]
        network = "hive"
        streamer = "alice"
        link = "\(link)"
        batch_interval_seconds = 0.1
        end_on_stop = true
        indexer_url = "\(doubles.indexerURL)"
        request_timeout_seconds = 2
        node_cooldown_seconds = 1
        confirmation_poll_seconds = 0.05
        rebroadcast_seconds = 0.5
        max_retry_delay_seconds = 0.4
        stop_timeout_seconds = 60

        [publishing.hive]
        api_nodes = [\(doubles.hiveURLs.map { "\"\($0)\"" }.joined(separator: ", "))]
        chain_id = "\(TestKeys.chainID)"
        public_key_prefix = "\(TestKeys.prefix)"
        transaction_expiration_seconds = 60

        [publishing.alivedb]
        url = "\(doubles.aliveDBURL)"
        """
    }

    /// The segments of ffmpeg's playlist, in order.
    static func playlist(_ directory: URL) throws -> [(path: String, duration: Double)] {
        let text = try String(contentsOf: directory.appendingPathComponent("source.m3u8"), encoding: .utf8)
        var out: [(String, Double)] = []
        var duration: Double?
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#EXTINF:") {
                duration = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if !line.hasPrefix("#"), let seconds = duration {
                out.append((directory.appendingPathComponent(line).path, seconds))
                duration = nil
            }
        }
        return out
    }

    /// Kubo's own CIDs for the files (only-hash adds through the front): independent of
    /// the box's CID code.
    static func kuboCIDs(_ paths: [String], kuboURL: String, client: HTTPClient) async throws -> [String] {
        var cids: [String] = []
        for path in paths {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let form = MultipartForm([.file("file", filename: "probe", bytes: OwnedBytes(bytes))])
            let response = try await client.send(HTTPRequest(
                method: .post, url: "\(kuboURL)/api/v0/add?only-hash=true", body: .multipart(form)))
            let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
            cids.append(try #require(object?["Hash"] as? String))
        }
        return cids
    }
}

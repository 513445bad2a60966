import AliveJournal
import AliveLedger
import AlivePublish
import AliveStorage
import Foundation
import Logging

/// Child process of the publishing crash test (Tests/AlivePublishTests): publishes a
/// folder of real HLS segments through the real publisher — segments stored in Kubo,
/// pushed to AliveDB, batched on the Hive double — printing a line after each segment
/// the journal recorded, until the test kills it with SIGKILL. Restarted, it resumes
/// from the journal: the segments it already recorded are skipped (a segment stored
/// and pushed but not yet recorded when it died is stored and pushed again, as a box
/// whose storage stage re-delivered it would).
///
/// Usage: alived-crash-publish --config FILE --secrets FILE --journal PATH --segments DIR
///          --kubo URL [--pace-ms N] [--configure] [--finish]
/// Without --finish it idles once every segment is in, waiting to be killed (bounded);
/// with --finish it stops gracefully (flush, end of stream) and prints "done".
@main
struct CrashPublish {
    static let maximumIdleSeconds: UInt64 = 60

    static func main() async {
        do {
            try await run(Arguments(CommandLine.arguments))
        } catch {
            say("error \(error)")
            exit(1)
        }
    }

    struct Arguments {
        var config = "", secrets = "", journal = "", segments = "", kubo = ""
        var paceMilliseconds = 30
        var configure = false, finish = false

        init(_ arguments: [String]) throws {
            var rest = arguments.dropFirst()
            while let flag = rest.popFirst() {
                switch flag {
                case "--configure": configure = true
                case "--finish": finish = true
                default:
                    guard let value = rest.popFirst() else { throw HelperError("\(flag) needs a value") }
                    switch flag {
                    case "--config": config = value
                    case "--secrets": secrets = value
                    case "--journal": journal = value
                    case "--segments": segments = value
                    case "--kubo": kubo = value
                    case "--pace-ms": paceMilliseconds = Int(value) ?? paceMilliseconds
                    default: throw HelperError("unknown argument \(flag)")
                    }
                }
            }
            guard !config.isEmpty, !secrets.isEmpty, !journal.isEmpty, !segments.isEmpty, !kubo.isEmpty else {
                throw HelperError("usage: alived-crash-publish --config F --secrets F --journal P --segments D --kubo URL")
            }
        }
    }

    static func run(_ arguments: Arguments) async throws {
        var configuration = try PublishingConfiguration.parse(toml: String(contentsOfFile: arguments.config, encoding: .utf8))
        configuration.configureOnStart = arguments.configure
        let secrets = try PublishingSecrets.load(path: arguments.secrets)

        var logger = Logger(label: "alived-crash-publish")
        logger.logLevel = .warning
        let journal = try Journal(path: arguments.journal)
        let context = try Secp256k1Context()
        let storageHTTP = try HTTPClient()
        let publishHTTP = try HTTPClient()
        defer {
            storageHTTP.shutdown()
            publishHTTP.shutdown()
            context.close()
            try? journal.close()
        }
        var storage = StorageConfiguration(backend: .ipfs([IPFSEndpoint(api: .kuboRPC, url: arguments.kubo)]))
        storage.connectTimeout = .seconds(2)
        storage.uploadTimeout = .seconds(10)
        let uploader = try StorageUploader(configuration: storage, client: storageHTTP, logger: logger)

        let stream = JournalStreamKey(network: configuration.network.rawValue, streamer: configuration.streamer, link: configuration.link)
        let recorded = Set(try journal.segments(stream).map(\.cid))
        let publisher = try Publisher(
            configuration: configuration, secrets: secrets, journal: journal, http: publishHTTP, chunkStorage: uploader,
            context: context, logger: logger)
        say("ready \(try journal.nextSeq(stream)) \(recorded.count) \(try journal.unconfirmedPushes(stream).count)")

        let running = Task { try await publisher.run() }
        let segments = try Self.segments(in: arguments.segments)
        for (index, segment) in segments.enumerated() {
            let file = try MappedFile(path: segment.path)
            let cid = UnixFSFileHasher(version: .v0).cid(of: file).description
            file.close()
            if recorded.contains(cid) { continue }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: segment.path))
            let stored = try await store(uploader, StorageObject(kind: .segment, name: "\(index).ts", bytes: OwnedBytes(bytes)))
            await publisher.segmentStored(sequence: UInt64(index), hash: stored, duration: segment.duration)
            say("stored \(index) \(stored)")
            try await Task.sleep(for: .milliseconds(arguments.paceMilliseconds))
        }
        say("all-stored")
        if arguments.finish {
            publisher.requestStop()
            try await running.value
            let status = publisher.status
            say("done ended=\(status.streamEnded) confirmed=\(status.pushesConfirmed) resigned=\(status.resigned)")
            return
        }
        try await Task.sleep(for: .seconds(maximumIdleSeconds))
        say("error not killed within the bound")
        exit(5)
    }

    /// Stores a segment, retrying while the Kubo front is busy.
    static func store(_ uploader: StorageUploader, _ object: StorageObject) async throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await uploader.store(object).hash
            } catch {
                if attempt >= 5 { throw error }
                try await Task.sleep(for: .milliseconds(100 * attempt))
            }
        }
    }

    /// The segments of `directory`'s `source.m3u8`, in playlist order, with durations.
    static func segments(in directory: String) throws -> [(path: String, duration: Double)] {
        let playlist = try String(contentsOfFile: directory + "/source.m3u8", encoding: .utf8)
        var out: [(String, Double)] = []
        var duration: Double?
        for line in playlist.split(separator: "\n").map(String.init) {
            if line.hasPrefix("#EXTINF:") {
                duration = Double(line.dropFirst(8).prefix { $0 != "," })
            } else if !line.hasPrefix("#"), !line.isEmpty, let seconds = duration {
                out.append((directory + "/" + line, seconds))
                duration = nil
            }
        }
        return out
    }

    /// One line per step, written at once: the test counts on seeing it only after the step.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

struct HelperError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

import AliveJournal
import AliveLedger
import AliveStorage
import AliveTestSupport
import Foundation
import Logging
@testable import AlivePublish

/// What a publishing test needs around the doubles: a fresh journal, an HTTP client, a
/// secp256k1 context, and configurations with timings fit for the doubles' fast chain
/// (a block every 0.1 s, 3 chain seconds each).
final class PublishFixture: @unchecked Sendable {
    // @unchecked: set in init, read-only afterwards (each member is Sendable or only
    // used from the test that owns the fixture).
    let doubles: LedgerDoubles
    let directory: URL
    let journal: Journal
    let http: HTTPClient
    let context: Secp256k1Context

    init(doubles: LedgerDoubles) throws {
        self.doubles = doubles
        directory = TestScratch.directory("publish")
        journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path)
        var configuration = HTTPClient.Configuration()
        configuration.totalTimeout = .seconds(10)
        http = try HTTPClient(configuration: configuration)
        context = try Secp256k1Context()
    }

    static func start(hiveNodes: Int = 2, extraArguments: [String] = []) async throws -> PublishFixture {
        try PublishFixture(doubles: try await LedgerDoubles.start(hiveNodes: hiveNodes, extraArguments: extraArguments))
    }

    func close() {
        try? journal.close()
        http.shutdown()
        context.close()
        doubles.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func configuration(network: PublishingConfiguration.Network = .hive, link: String, batchInterval: Duration = .zero,
                       aliveDB: Bool = true, hiveNodes: [String]? = nil) -> PublishingConfiguration {
        var configuration = PublishingConfiguration()
        configuration.network = network
        configuration.streamer = "alice"
        configuration.link = link
        configuration.batchInterval = batchInterval
        configuration.configureOnStart = false
        configuration.endOnStop = true
        configuration.hive.apiNodes = hiveNodes ?? doubles.hiveURLs
        configuration.hive.chainIDHex = TestKeys.chainID
        configuration.hive.publicKeyPrefix = TestKeys.prefix
        configuration.hive.transactionExpiration = .seconds(60)
        configuration.avalon.apiNodes = [doubles.avalonURL]
        configuration.aliveDB = aliveDB ? .init(url: doubles.aliveDBURL) : nil
        configuration.requestTimeout = .seconds(2)
        configuration.nodeCooldown = .seconds(1)
        configuration.confirmationPollInterval = .milliseconds(50)
        configuration.rebroadcastInterval = .milliseconds(500)
        configuration.maximumRetryDelay = .milliseconds(400)
        configuration.stopTimeout = .seconds(20)
        return configuration
    }

    var secrets: PublishingSecrets {
        get throws {
            try PublishingSecrets(postingKey: PrivateKey(hiveWIF: TestKeys.postingWIF), avalonKey: PrivateKey(avalonBase58: TestKeys.avalonKey))
        }
    }

    func publisher(_ configuration: PublishingConfiguration, secrets: PublishingSecrets? = nil,
                   chunkStorage: (any ChunkStorage)? = nil) throws -> Publisher {
        try Publisher(configuration: configuration, secrets: secrets ?? self.secrets, journal: journal, http: http,
                      chunkStorage: chunkStorage, context: context, logger: Logger(label: "test.publish"))
    }
}

/// Runs a publisher in a task of its own; `stop()` asks for the graceful stop and
/// waits (bounded) for `run()` to return.
final class RunningPublisher: Sendable {
    let publisher: Publisher
    let task: Task<Result<Void, any Error>, Never>

    init(_ publisher: Publisher) {
        self.publisher = publisher
        task = Task {
            do {
                try await publisher.run()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    @discardableResult
    func stop(timeout: Duration = .seconds(60)) async throws -> PublisherStatus {
        publisher.requestStop()
        return try await finished(timeout: timeout)
    }

    /// Waits (bounded) for `run()` to return and rethrows its error.
    @discardableResult
    func finished(timeout: Duration = .seconds(60)) async throws -> PublisherStatus {
        let outcome = try await withThrowingTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask { await self.task.value }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        guard let outcome else {
            task.cancel()
            throw TestFailure("publisher did not stop within \(timeout)")
        }
        try outcome.get()
        return publisher.status
    }

    /// Waits (bounded) until the publisher's status satisfies `condition`.
    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: (PublisherStatus) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(publisher.status) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("timed out waiting for \(what): \(publisher.status)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A made-up but well-formed CIDv0 for segment `n` (the ledger only carries the text).
func fakeCID(_ n: Int) -> String {
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

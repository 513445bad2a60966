import Crypto
import Foundation
import Testing
@testable import AliveStorage

@Suite(.timeLimit(.minutes(3))) struct StorageUploaderTests {
    private func configuration(_ backend: StorageConfiguration.Backend, version: CIDVersion = .v0) -> StorageConfiguration {
        var configuration = StorageConfiguration(backend: backend)
        configuration.cidVersion = version
        configuration.connectTimeout = .seconds(2)
        configuration.uploadTimeout = .seconds(5)
        configuration.endpointCooldown = .milliseconds(300)
        return configuration
    }

    private func segment(_ size: Int, seed: UInt64) -> (bytes: [UInt8], object: StorageObject) {
        let bytes = pseudoRandomBytes(count: size, seed: seed)
        return (bytes, StorageObject(kind: .segment, name: "\(seed).ts", bytes: PagedBytes(bytes, pageSize: 65_536)))
    }

    @Test(arguments: [(IPFSEndpoint.API.kuboRPC, CIDVersion.v0), (.kuboRPC, .v1), (.cluster, .v0), (.cluster, .v1)])
    func roundTripThroughKubo(api: IPFSEndpoint.API, version: CIDVersion) async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        let uploader = try StorageUploader(
            configuration: configuration(.ipfs([IPFSEndpoint(api: api, url: front.baseURL)]), version: version), client: client)

        let (bytes, object) = segment(3 * 262_144 + 5, seed: 11)
        let stored = try await uploader.store(object)
        #expect(stored.hash == UnixFSFileHasher(version: version).cid(of: OwnedBytes(bytes)).description)
        #expect(stored.cid?.description == stored.hash)
        #expect(stored.endpoint == front.baseURL)
        #expect(stored.byteCount == bytes.count)

        let fetched = try await client.send(.get("\(front.baseURL)/ipfs/\(stored.hash)"))
        #expect(fetched.status == 200)
        #expect(fetched.body == bytes)

        let stats = try await front.stats(using: client)
        let last = try #require(stats["last"] as? [String: Any])
        let query = try #require(last["query"] as? [String: String])
        #expect(query["cid-version"] == "\(version.rawValue)")
        #expect(query["raw-leaves"] == (version == .v1 ? "true" : "false"))
        if api == .kuboRPC { #expect(query["pin"] == "true") }
    }

    @Test func serverErrorIsAFailure() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        try await front.setMode("status500", using: client)
        let uploader = try StorageUploader(configuration: configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)])), client: client)
        let error = await #expect(throws: StorageError.self) { try await uploader.store(segment(1000, seed: 1).object) }
        #expect(error?.code == .httpStatus)
    }

    @Test func hangPastTheTimeoutIsAFailure() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        try await front.setMode("hang", using: client)
        var configuration = configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)]))
        configuration.uploadTimeout = .seconds(1)
        let uploader = try StorageUploader(configuration: configuration, client: client)
        let started = ContinuousClock.now
        let error = await #expect(throws: StorageError.self) { try await uploader.store(segment(100_000, seed: 2).object) }
        #expect(error?.code == .timedOut)
        // The front hangs for 30 s; the 1 s upload time-out must end it long before.
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func connectionClosedMidBodyIsAFailure() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        try await front.setMode("close-mid-body", using: client)
        let uploader = try StorageUploader(configuration: configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)])), client: client)
        let error = await #expect(throws: StorageError.self) { try await uploader.store(segment(100_000, seed: 3).object) }
        #expect(error?.code == .transferFailed)
    }

    @Test func wrongCIDIsAFailureLoggedWithBothHashes() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        let logs = LogRecorder()
        defer { client.shutdown(); front.stop() }
        try await front.setMode("wrong-cid", using: client)
        let uploader = try StorageUploader(configuration: configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)])),
                                           client: client, logger: logs.logger())
        let (bytes, object) = segment(300_000, seed: 4)
        let error = await #expect(throws: StorageError.self) { try await uploader.store(object) }
        #expect(error?.code == .cidMismatch)
        let device = UnixFSFileHasher(version: .v0).cid(of: OwnedBytes(bytes)).description
        let record = try #require(logs.all.first { $0.message.contains("different CID") })
        #expect(record.level == .error)
        #expect(record.metadata.contains("storage.cid.device=\(device)"))
        #expect(record.metadata.contains("storage.cid.endpoint=Qm"))
    }

    @Test func primaryDownSecondaryUsedPrimaryBack() async throws {
        let primary = try await KuboFront.start()
        let secondary = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); secondary.stop() }
        let primaryURL = primary.baseURL
        let uploader = try StorageUploader(configuration: configuration(.ipfs([
            IPFSEndpoint(api: .kuboRPC, url: primaryURL), IPFSEndpoint(api: .kuboRPC, url: secondary.baseURL),
        ])), client: client)

        #expect(try await uploader.store(segment(5000, seed: 5).object).endpoint == primaryURL)

        await primary.stopAndWait()
        #expect(try await uploader.store(segment(5000, seed: 6).object).endpoint == secondary.baseURL)
        // Within the cool-down the failed primary is not tried first.
        #expect(try await uploader.store(segment(5000, seed: 7).object).endpoint == secondary.baseURL)

        let restarted = try await KuboFront.start(port: primary.port)
        defer { restarted.stop() }
        try await Task.sleep(for: .milliseconds(400))  // past the 300 ms cool-down
        let (bytes, object) = segment(5000, seed: 8)
        let stored = try await uploader.store(object)
        #expect(stored.endpoint == primaryURL)
        #expect(try await client.send(.get("\(primaryURL)/ipfs/\(stored.hash)")).body == bytes)
    }

    @Test func allEndpointsDownThrowsTheLastError() async throws {
        let front = try await KuboFront.start(kubo: false)
        let port = front.port
        await front.stopAndWait()
        let client = try HTTPClient()
        defer { client.shutdown() }
        let uploader = try StorageUploader(configuration: configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: "http://127.0.0.1:\(port)")])), client: client)
        let error = await #expect(throws: StorageError.self) { try await uploader.store(segment(10, seed: 9).object) }
        #expect(error?.code == .connectFailed)
    }

    @Test func skynetPortalGetsASingleFilePartAndAnswersASkylink() async throws {
        let portal = try await KuboFront.start(kubo: false)
        let client = try HTTPClient()
        defer { client.shutdown(); portal.stop() }
        let uploader = try StorageUploader(configuration: configuration(.skynet([SkynetPortal(url: portal.baseURL)])), client: client)
        #expect(!uploader.computesCID)
        let (bytes, object) = segment(700_001, seed: 10)
        let stored = try await uploader.store(object)

        // The double's skylink: base64url(0x01 0x00 ‖ sha256(file)), 46 characters.
        let expected = Data([0x01, 0x00] + Array(SHA256.hash(data: bytes))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        #expect(stored.hash == expected)
        #expect(stored.hash.count == 46)
        #expect(stored.cid == nil)

        let last = try #require((try await portal.stats(using: client))["last"] as? [String: Any])
        #expect(last["path"] as? String == "/skynet/skyfile")
        let parts = try #require(last["parts"] as? [[String: Any]])
        #expect(parts.count == 1)
        #expect(parts.first?["name"] as? String == "file")
        #expect(parts.first?["filename"] as? String == "10.ts")
        #expect(parts.first?["contentType"] as? String == "video/mp2t")
        #expect(parts.first?["size"] as? Int == bytes.count)
    }

    @Test func authenticatedUploaderStoresSegmentsAndChunksWithoutLoggingTheToken() async throws {
        let token = "tok-\(UUID().uuidString)"
        let front = try await KuboFront.start(token: token)
        let client = try HTTPClient()
        let logs = LogRecorder()
        defer { client.shutdown(); front.stop() }
        let endpoint = AuthenticatedUploaderEndpoint(url: front.baseURL, accessToken: token, streamID: "stream-1")
        let uploader = try StorageUploader(configuration: configuration(.authenticatedUploader([endpoint])),
                                           client: client, logger: logs.logger())
        let (bytes, object) = segment(400_000, seed: 12)
        let stored = try await uploader.store(object)
        #expect(stored.hash == UnixFSFileHasher().cid(of: OwnedBytes(bytes)).description)
        #expect(stored.endpoint == front.baseURL)

        let chunk = Array("\(stored.hash),2.002".utf8)
        let storedChunk = try await uploader.store(StorageObject(kind: .chunk, name: "chunk-0.csv", bytes: OwnedBytes(chunk)))
        #expect(storedChunk.hash == UnixFSFileHasher().cid(of: OwnedBytes(chunk)).description)
        #expect(try await front.kuboCID(of: chunk, using: client) == storedChunk.hash)

        let wrong = try StorageUploader(configuration: configuration(.authenticatedUploader([
            AuthenticatedUploaderEndpoint(url: front.baseURL, accessToken: "not-\(token)", streamID: "stream-1"),
        ])), client: client, logger: logs.logger())
        let error = await #expect(throws: StorageError.self) { try await wrong.store(object) }
        #expect(error?.code == .httpStatus)
        #expect(!logs.all.isEmpty)
        #expect(!logs.contains(token))
        #expect(!(error?.description.contains(token) ?? true))
    }

    @Test func chunkFileStoredThroughKuboHasKubosCID() async throws {
        let front = try await KuboFront.start()
        let client = try HTTPClient()
        defer { client.shutdown(); front.stop() }
        let uploader = try StorageUploader(configuration: configuration(.ipfs([IPFSEndpoint(api: .kuboRPC, url: front.baseURL)])), client: client)
        // Chunk files as the publisher writes them (AliveLedger's AliveChunk): `<hash>,<len>` lines.
        let lines = (0..<240).map { "\(UnixFSFileHasher().cid(of: OwnedBytes(pseudoRandomBytes(count: 64, seed: UInt64($0 + 1))))),2.002" }
        let texts = stride(from: 0, to: lines.count, by: 79).map { lines[$0..<min($0 + 79, lines.count)].joined(separator: "\n") }
        for (index, text) in texts.enumerated() {
            let bytes = Array(text.utf8)
            let stored = try await uploader.store(StorageObject(kind: .chunk, name: "chunk-\(index).csv", bytes: OwnedBytes(bytes)))
            let last = try #require((try await front.stats(using: client))["last"] as? [String: Any])
            let parts = try #require(last["parts"] as? [[String: Any]])
            #expect(parts.first?["contentType"] as? String == "text/csv")
            #expect(stored.hash == (try await front.kuboCID(of: bytes, using: client)))
            let fetched = try await client.send(.get("\(front.baseURL)/ipfs/\(stored.hash)"))
            #expect(String(decoding: fetched.body, as: UTF8.self) == text)
        }
    }

    @Test func invalidConfigurationsAreRefused() throws {
        let client = try HTTPClient()
        defer { client.shutdown() }
        let bad: [StorageConfiguration.Backend] = [
            .ipfs([]),
            .ipfs([IPFSEndpoint(api: .kuboRPC, url: "ftp://127.0.0.1")]),
            .skynet([SkynetPortal(url: "http://127.0.0.1:1/?key=x")]),
            .authenticatedUploader([AuthenticatedUploaderEndpoint(url: "http://127.0.0.1:1", accessToken: "", streamID: "s")]),
        ]
        for backend in bad {
            #expect(throws: StorageError.self) { try StorageUploader(configuration: configuration(backend), client: client) }
        }
    }
}

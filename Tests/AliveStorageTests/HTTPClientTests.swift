import AliveTestSupport
import Foundation
import Testing
@testable import AliveStorage

@Suite(.timeLimit(.minutes(2))) struct HTTPClientTests {
    private func makeClient(_ adjust: (inout HTTPClient.Configuration) -> Void = { _ in }) throws -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectTimeout = .seconds(2)
        configuration.totalTimeout = .seconds(10)
        adjust(&configuration)
        return try HTTPClient(configuration: configuration)
    }

    @Test func jsonPostAndGetRoundTrip() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let json = Array(#"{"op":0,"seq":7}"#.utf8)
        let response = try await client.send(.postJSON("\(front.baseURL)/echo", json: json))
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        let echo = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(echo["method"] as? String == "POST")
        #expect(echo["contentType"] as? String == "application/json")
        #expect(echo["body"] as? String == #"{"op":0,"seq":7}"#)

        let stats = try await client.send(.get("\(front.baseURL)/__stats"))
        #expect(stats.status == 200)
        let missing = try await client.send(.get("\(front.baseURL)/nothing-here"))
        #expect(missing.status == 404)
    }

    @Test func multipartBodyFromManyRegionsArrivesIntact() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }

        let payload = pseudoRandomBytes(count: 1_000_003, seed: 1)
        let form = MultipartForm([
            .field("streamId", "stream-1"),
            .file("file", filename: "0.ts", contentType: "video/mp2t", bytes: PagedBytes(payload, pageSize: 4093)),
        ])
        let response = try await client.send(HTTPRequest(method: .post, url: "\(front.baseURL)/skynet/skyfile",
                                                         body: .multipart(form)))
        // The portal double refuses anything but a single `file` part; two parts → 400.
        #expect(response.status == 400)
        let stats = try await front.stats(using: client)
        let last = try #require(stats["last"] as? [String: Any])
        let parts = try #require(last["parts"] as? [[String: Any]])
        #expect(parts.count == 2)
        #expect(parts[1]["size"] as? Int == payload.count)
        #expect(parts[1]["filename"] as? String == "0.ts")
        #expect(parts[1]["contentType"] as? String == "video/mp2t")
    }

    @Test func totalTimeoutAbortsAHangingServer() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        try await front.setMode("hang", using: client)

        let started = ContinuousClock.now
        var request = HTTPRequest.get("\(front.baseURL)/__anything")
        request.totalTimeout = .milliseconds(800)
        let error = await #expect(throws: StorageError.self) { try await client.send(request) }
        #expect(error?.code == .timedOut)
        // The front hangs for 30 s; ending well before shows the time-out cut it short
        // (the margin absorbs a loaded CI machine).
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func refusedConnectionIsAConnectFailure() async throws {
        // A port that was just free: bind, read the number, close.
        let front = try await KuboFront.start(kubo: false)
        let port = front.port
        await front.stopAndWait()
        let client = try makeClient()
        defer { client.shutdown() }
        let error = await #expect(throws: StorageError.self) {
            try await client.send(.get("http://127.0.0.1:\(port)/"))
        }
        #expect(error?.code == .connectFailed)
    }

    @Test func connectTimeoutWhenTheServerNeverAnswers() async throws {
        let listener = try FullBacklogListener()
        let client = try makeClient { $0.connectTimeout = .milliseconds(500) }
        defer { client.shutdown() }
        let started = ContinuousClock.now
        let error = await #expect(throws: StorageError.self) {
            try await client.send(.get("http://127.0.0.1:\(listener.port)/"))
        }
        #expect(error?.code == .connectFailed)
        // The kernel would keep retrying the SYN for about two minutes.
        #expect(ContinuousClock.now - started < .seconds(20))
        withExtendedLifetime(listener) {}
    }

    @Test func connectionClosedMidBodyIsATransferFailure() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        try await front.setMode("close-mid-body", using: client)
        let error = await #expect(throws: StorageError.self) {
            try await client.send(.get("\(front.baseURL)/ipfs/x"))
        }
        #expect(error?.code == .transferFailed)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        try await front.setMode("hang", using: client)

        let started = ContinuousClock.now
        let task = Task { try await client.send(.get("\(front.baseURL)/hang")) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        // Without cancellation the request would wait for its 10 s total time-out.
        #expect(ContinuousClock.now - started < .seconds(8))
        #expect(client.load.running == 0)
    }

    @Test func waitQueueIsBoundedAndRejectsTheNewest() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient {
            $0.maxConcurrentTransfers = 1
            $0.maxWaitingRequests = 1
            $0.overflowPolicy = .rejectNewest
            $0.totalTimeout = .seconds(2)
        }
        defer { client.shutdown() }
        try await front.setMode("hang", using: client)

        let url = "\(front.baseURL)/hang"
        async let first: Result<HTTPResponse, any Error> = { do { return .success(try await client.send(.get(url))) } catch { return .failure(error) } }()
        try await Task.sleep(for: .milliseconds(100))
        async let second: Result<HTTPResponse, any Error> = { do { return .success(try await client.send(.get(url))) } catch { return .failure(error) } }()
        try await Task.sleep(for: .milliseconds(100))
        let third = await #expect(throws: StorageError.self) { try await client.send(.get(url)) }
        #expect(third?.code == .overloaded)
        // The two admitted requests ran (and timed out against the hanging server).
        for result in await [first, second] {
            #expect(result.storageErrorCode == .timedOut)
        }
    }

    @Test func failOldestPolicyDropsTheLongestWaiting() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient {
            $0.maxConcurrentTransfers = 1
            $0.maxWaitingRequests = 1
            $0.overflowPolicy = .failOldest
            $0.totalTimeout = .seconds(1)
        }
        defer { client.shutdown() }
        try await front.setMode("hang", using: client)
        let url = "\(front.baseURL)/hang"
        let running = Task { try await client.send(.get(url)) }
        try await Task.sleep(for: .milliseconds(150))
        let oldest = Task { try await client.send(.get(url)) }
        try await Task.sleep(for: .milliseconds(150))
        let newest = Task { try await client.send(.get(url)) }
        let oldestError = await #expect(throws: StorageError.self) { try await oldest.value }
        #expect(oldestError?.code == .overloaded)
        _ = await running.result
        let newestResult = await newest.result
        #expect(newestResult.storageErrorCode == .timedOut)
    }

    @Test func oversizedAnswerIsRefused() async throws {
        let front = try await KuboFront.start(kubo: false)
        defer { front.stop() }
        let client = try makeClient()
        defer { client.shutdown() }
        var request = HTTPRequest.get("\(front.baseURL)/__stats")
        request.maxResponseBytes = 8
        let error = await #expect(throws: StorageError.self) { try await client.send(request) }
        #expect(error?.code == .responseTooLarge)
    }

    @Test func badRequestsAreRefusedBeforeSending() async throws {
        let client = try makeClient()
        defer { client.shutdown() }
        for url in ["ftp://127.0.0.1/", "http://127.0.0.1/a b", "127.0.0.1:80/"] {
            let error = await #expect(throws: StorageError.self) { try await client.send(.get(url)) }
            #expect(error?.code == .invalidRequest)
        }
        let badHeader = HTTPRequest.get("http://127.0.0.1:1/", headers: [HTTPHeader("X-Bad", "a\r\nInjected: 1")])
        let error = await #expect(throws: StorageError.self) { try await client.send(badHeader) }
        #expect(error?.code == .invalidRequest)
    }

    @Test func tlsIsVerifiedAgainstTrustedCAs() async throws {
        let directory = TestScratch.directory("tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try ExternalProcess.output("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                                                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                                   timeout: 30)
        let front = try await KuboFront.start(kubo: false, tls: (certificate, key))
        defer { front.stop() }
        let url = "https://127.0.0.1:\(front.port)/__stats"

        // A self-signed certificate is not trusted by the system CAs.
        let systemCAs = try makeClient()
        defer { systemCAs.shutdown() }
        let error = await #expect(throws: StorageError.self) { try await systemCAs.send(.get(url)) }
        #expect(error?.code == .tlsFailed)

        // Trusted when its certificate is the CA bundle; the host name (IP SAN) matches.
        let pinned = try makeClient { $0.caBundlePath = certificate }
        defer { pinned.shutdown() }
        #expect(try await pinned.send(.get(url)).status == 200)
    }

    @Test func shutdownFailsLaterRequests() async throws {
        let client = try makeClient()
        client.shutdown()
        client.shutdown()
        let error = await #expect(throws: StorageError.self) { try await client.send(.get("http://127.0.0.1:1/")) }
        #expect(error?.code == .shutDown)
    }
}

extension Result {
    var storageErrorCode: StorageError.Code? {
        if case .failure(let error) = self { return (error as? StorageError)?.code }
        return nil
    }
}

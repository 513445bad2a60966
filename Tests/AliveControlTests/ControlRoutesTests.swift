import AliveMedia
import AliveTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import Prometheus
import Testing
@testable import AliveControl

/// Every route of the control plane, in-process (HummingbirdTesting's router framework):
/// who may call it, and what the refusals look like.
struct ControlRoutesTests {
    /// A control server from real small parts, its data in a scratch folder. The page
    /// password is "correct horse" (cheap scrypt parameters) unless `passwordSet` is false.
    struct Fixture: Sendable {
        let server: ControlServer
        let ring: SegmentRing

        init(passwordSet: Bool = true, streamControl: StreamControl? = nil) throws {
            let directory = TestScratch.directory("routes")
            let store = ConfigurationStore(path: directory.appendingPathComponent("alived.toml").path, initial: .default)
            let secrets = try SecretsStore(directory: directory.path)
            if passwordSet {
                let hash = try PasswordHash.make(ControlRoutesTests.password, cost: 1024, blockSize: 1)
                try secrets.update { $0.pagePasswordHash = hash }
            }
            ring = SegmentRing(configuration: .init(budgetBytes: 1 << 20, pageSize: 4096, playlistWindow: 6))
            let segmenter = Segmenter(configuration: .init(targetDurationSeconds: 2), ring: ring, logger: Logger(label: "test"))
            let chunk = ControlRoutesTests.chunk
            // Not the process's metrics backend: one counter of its own, to be seen in /metrics.
            let metrics = PrometheusCollectorRegistry()
            metrics.makeCounter(descriptor: .init(namespace: "alived", metricName: "routes_test", unitName: "total", helpText: "")).increment(by: Int64(3))
            server = ControlServer(
                ring: ring, coordinator: IngestCoordinator(app: "live", streamKey: "first-key-1"), pipeline: SegmenterPipeline(segmenter: segmenter),
                store: store, secrets: secrets, authority: SessionAuthority(secrets: secrets), logs: RecentLogBuffer(capacity: 10),
                metrics: metrics, streamControl: streamControl,
                gateway: { cid in
                    switch cid {
                    case "QmSegment": .ringSegment(sequence: 0)
                    case "QmChunk": .chunk(chunk)
                    default: nil
                    }
                })
            // Segment 0, for /hls/0.ts and the gateway.
            let writer = ring.openWriter()
            [UInt8](repeating: 0x47, count: 188).withUnsafeBytes { writer.append($0) }
            _ = writer.close(SegmentDescription(durationMilliseconds: 2000, startMilliseconds: 0, discontinuity: false, hasVideo: true, hasAudio: false))
        }

        func test(_ body: @Sendable (Client) async throws -> Void) async throws {
            try await server.application(logger: Logger(label: "test")).test(.router) { client in try await body(Client(client: client)) }
        }
    }

    static let password = "correct horse"
    static let chunk = Array("QmA,1000\nQmB,2000\n".utf8)

    struct Client: Sendable {
        let client: any TestClientProtocol

        func request(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, headers: HTTPFields = [:],
                     body: String? = nil) async throws -> TestResponse {
            var headers = headers
            if let token { headers[.authorization] = "Bearer \(token)" }
            return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        }

        /// Logs in with the password: the bearer token, the cookie header value, the CSRF token.
        func logIn() async throws -> (token: String, cookie: String, csrf: String) {
            let response = try await request(.post, "/api/v1/auth/login", body: #"{"password":"\#(ControlRoutesTests.password)"}"#)
            #expect(response.status == .ok)
            let json = try response.json()
            let cookie = try #require(response.headers[.setCookie])
            return (try #require(json["token"] as? String), String(cookie.split(separator: ";")[0]), try #require(json["csrf_token"] as? String))
        }
    }

    /// The routes behind a session, with a body each accepts (nil: none).
    static let signedInRoutes: [(method: HTTPRequest.Method, path: String, body: String?)] = [
        (.get, "/api/v1/config", nil), (.put, "/api/v1/config", "{}"), (.patch, "/api/v1/config", "{}"), (.get, "/api/v1/logs", nil),
        (.get, "/api/v1/secrets", nil), (.put, "/api/v1/secrets", "{}"), (.post, "/api/v1/auth/logout", nil),
        (.post, "/api/v1/auth/password", #"{"current":"\#(password)","new":"another horse"}"#),
        (.post, "/api/v1/stream/configure", nil), (.post, "/api/v1/stream/end", nil),
    ]

    /// The routes anyone may call, and those open only while `http.open_hls` / `http.open_metrics` is true.
    static let openRoutes = ["GET /", "GET /healthz", "GET /api/v1/status", "GET /api/v1/thumbnail.jpg", "GET /api/v1/auth",
                             "POST /api/v1/auth/setup", "POST /api/v1/auth/login"]
    static let flaggedRoutes = ["GET /hls/live.m3u8", "GET /hls/{segment}", "GET /ipfs/{cid}", "GET /metrics"]

    /// Every route the router holds is in one of the lists the other tests check: a new
    /// route is refused here until it is given its place.
    @Test func everyRouteIsOpenFlaggedOrSignedIn() throws {
        let fixture = try Fixture(streamControl: Self.ledger)
        let routes = fixture.server.router().routes.map(\.description)
        let listed = Self.openRoutes + Self.flaggedRoutes + Self.signedInRoutes.map { "\($0.method) \($0.path)" }
        #expect(routes.sorted() == listed.sorted())
        #expect(Set(listed).count == listed.count)
    }

    static let ledger = StreamControl(configure: { .init(network: "hive", transactionID: "t-configure", block: 7) },
                                      end: { .init(network: "hive", transactionID: "t-end", block: nil) })

    @Test func signedInRoutesRefuseRequestsWithoutALiveSession() async throws {
        let fixture = try Fixture(streamControl: Self.ledger)
        try await fixture.test { client in
            let (token, cookie, _) = try await client.logIn()
            let wrong: [HTTPFields] = [[:], [.authorization: "Bearer nope"], [.authorization: "Basic \(token)"], [.authorization: token],
                                       [.cookie: "alived_session=nope"], [.cookie: "other=\(token)"],
                                       // A bearer header counts alone: a wrong one is not rescued by a good cookie.
                                       [.authorization: "Bearer nope", .cookie: cookie]]
            for route in Self.signedInRoutes {
                for headers in wrong {
                    let response = try await client.request(route.method, route.path, headers: headers, body: route.body)
                    #expect(response.status == .unauthorized, "\(route.method) \(route.path) \(headers)")
                    #expect(try response.json()["error"] as? String == "log in first")
                    #expect(response.headers[.contentType] == "application/json")
                }
            }
        }
    }

    @Test func signedInRoutesWorkWithABearerToken() async throws {
        let fixture = try Fixture(streamControl: Self.ledger)
        try await fixture.test { client in
            let (token, _, _) = try await client.logIn()
            // No CSRF token and a foreign Origin: neither matters to a bearer token.
            let foreign: HTTPFields = [.origin: "http://evil.example"]
            for route in Self.signedInRoutes where !route.path.hasPrefix("/api/v1/auth/") {
                let response = try await client.request(route.method, route.path, token: token, headers: foreign, body: route.body)
                #expect(response.status == .ok, "\(route.method) \(route.path): \(String(buffer: response.body))")
            }
            let configured = try await client.request(.post, "/api/v1/stream/configure", token: token).json()
            #expect(configured["transaction_id"] as? String == "t-configure")
            let secrets = try await client.request(.put, "/api/v1/secrets", token: token, body: #"{"stream_key":"venue-key-42"}"#)
            #expect((try secrets.json()["stream_key"] as? [String: Any])?["set"] as? Bool == true)
            #expect(!String(buffer: secrets.body).contains("venue-key-42"))

            // Changing the password ends every session, this one too.
            let change = try await client.request(.post, "/api/v1/auth/password", token: token, headers: foreign,
                                                  body: #"{"current":"\#(Self.password)","new":"another horse"}"#)
            #expect(change.status == .ok)
            #expect(try await client.request(.get, "/api/v1/config", token: token).status == .unauthorized)
        }
    }

    /// Without a ledger the stream routes answer 409, after the session check.
    @Test func streamRoutesWithoutPublishingAreAConflict() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            #expect(try await client.request(.post, "/api/v1/stream/end").status == .unauthorized)
            let (token, _, _) = try await client.logIn()
            let end = try await client.request(.post, "/api/v1/stream/end", token: token)
            #expect(end.status == .conflict)
            #expect((try end.json()["error"] as? String)?.hasPrefix("publishing is not configured") == true)
            // Logging out with the token: no CSRF token needed, and the token is gone.
            #expect(try await client.request(.post, "/api/v1/auth/logout", token: token).status == .ok)
            #expect(try await client.request(.get, "/api/v1/config", token: token).status == .unauthorized)
        }
    }

    /// Changes made with the cookie need the session's CSRF token and, when the browser
    /// names one, the box's own Origin; reads need neither. Logging out ends the cookie.
    @Test func cookieSessionsNeedTheCSRFTokenForChanges() async throws {
        let fixture = try Fixture(streamControl: Self.ledger)
        try await fixture.test { client in
            let login = try await client.request(.post, "/api/v1/auth/login", body: #"{"password":"\#(Self.password)"}"#)
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let csrf = try #require(try login.json()["csrf_token"] as? String)

            for route in Self.signedInRoutes where route.method != .get {
                let refusals: [(HTTPFields, String)] = [
                    ([.cookie: cookie], "missing or wrong X-CSRF-Token"),
                    ([.cookie: cookie, CSRFMiddleware.header: "0"], "missing or wrong X-CSRF-Token"),
                    ([.cookie: cookie, CSRFMiddleware.header: csrf, .origin: "http://evil.example"], "cross-site request refused"),
                    ([.cookie: cookie, CSRFMiddleware.header: csrf, .origin: "null"], "cross-site request refused"),
                ]
                for (headers, message) in refusals {
                    let response = try await client.request(route.method, route.path, headers: headers, body: route.body)
                    #expect(response.status == .forbidden, "\(route.method) \(route.path) \(headers)")
                    #expect(try response.json()["error"] as? String == message)
                }
            }
            for route in Self.signedInRoutes where route.method == .get {
                #expect(try await client.request(route.method, route.path, headers: [.cookie: cookie]).status == .ok, "\(route.path)")
            }
            // The router framework's requests are for `localhost`: that Origin is the box's own.
            for origin in [nil, "http://localhost", "https://localhost"] {
                var headers: HTTPFields = [.cookie: cookie, CSRFMiddleware.header: csrf]
                if let origin { headers[.origin] = origin }
                let patch = try await client.request(.patch, "/api/v1/config", headers: headers, body: #"{"segments":{"seconds":3}}"#)
                #expect(patch.status == .ok, "\(origin ?? "no Origin")")
                #expect(try await client.request(.post, "/api/v1/stream/end", headers: headers).status == .ok)
            }

            let logout = try await client.request(.post, "/api/v1/auth/logout", headers: [.cookie: cookie, CSRFMiddleware.header: csrf])
            #expect(logout.status == .ok)
            #expect(logout.headers[.setCookie] == "alived_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
            #expect(try await client.request(.get, "/api/v1/config", headers: [.cookie: cookie]).status == .unauthorized)
        }
    }

    @Test func openRoutesAnswerWithoutASession() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let page = try await client.request(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.cacheControl] == "no-cache")
            #expect(page.headers[.contentSecurityPolicy] == StatusPage.contentSecurityPolicy)
            // status.html with status.css and status.js put inline where it names them.
            let html = String(buffer: page.body)
            #expect(html == StatusPage.html)
            #expect(html.hasPrefix("<!doctype html>\n") && html.hasSuffix("</body>\n</html>"))
            #expect(html.contains("<style>\n  :root { --fg:#1d2330;") && html.contains("  .hidden { display:none !important; }"))
            #expect(html.contains("<script>\n\"use strict\";\n") && html.contains("setInterval(refreshLogs, 3000);\n</script>\n</body>"))
            #expect(!html.contains("{{"))

            for route in Self.openRoutes {
                let parts = route.split(separator: " ")
                let method = try #require(HTTPRequest.Method(String(parts[0])))
                let response = try await client.request(method, String(parts[1]), body: method == .get ? nil : "{}")
                #expect(response.status != .unauthorized && response.status != .forbidden, "\(route)")
            }
            let health = try await client.request(.get, "/healthz")
            #expect(health.status == .ok && String(buffer: health.body) == "ok\n")
            let status = try await client.request(.get, "/api/v1/status")
            #expect(status.status == .ok)
            #expect((try status.json()["ring"] as? [String: Any])?["segments"] as? Int == 1)
            // Open, but nothing to show without a thumbnailer: 404, not 401.
            #expect(try await client.request(.get, "/api/v1/thumbnail.jpg").status == .notFound)
            let auth = try await client.request(.get, "/api/v1/auth").json()
            #expect(auth["password_set"] as? Bool == true && auth["authenticated"] as? Bool == false && auth["csrf_token"] == nil)
            // Logging in is open; a wrong password is its own 401, a second first password a 409.
            let wrong = try await client.request(.post, "/api/v1/auth/login", body: #"{"password":"wrong password"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.json()["error"] as? String == "wrong password")
            #expect(try await client.request(.post, "/api/v1/auth/setup", body: #"{"password":"another horse"}"#).status == .conflict)
            // open_hls and open_metrics are true by default.
            try await expectMediaRoutes(client, .ok)
            #expect(try await client.request(.get, "/metrics").status == .ok)

            let (token, cookie, csrf) = try await client.logIn()
            for headers: HTTPFields in [[.authorization: "Bearer \(token)"], [.cookie: cookie]] {
                let signedIn = try await client.request(.get, "/api/v1/auth", headers: headers).json()
                #expect(signedIn["authenticated"] as? Bool == true && signedIn["csrf_token"] as? String == csrf)
            }
        }
    }

    /// `/hls/`, `/ipfs/` (both `http.open_hls`) and `/metrics` (`http.open_metrics`) need a
    /// session while their flag is false; the flag is read per request.
    @Test func mediaAndMetricsRoutesFollowTheirFlags() async throws {
        let fixture = try Fixture()
        try await fixture.test { client in
            let (token, cookie, _) = try await client.logIn()
            func set(_ patch: String) async throws {
                #expect(try await client.request(.patch, "/api/v1/config", token: token, body: patch).status == .ok)
            }
            try await set(#"{"http":{"open_hls":false}}"#)
            try await expectMediaRoutes(client, .unauthorized)
            try await expectMediaRoutes(client, .ok, headers: [.authorization: "Bearer \(token)"])
            try await expectMediaRoutes(client, .ok, headers: [.cookie: cookie])
            #expect(try await client.request(.get, "/metrics").status == .ok, "open_metrics is its own flag")

            try await set(#"{"http":{"open_hls":true,"open_metrics":false}}"#)
            try await expectMediaRoutes(client, .ok)
            let refused = try await client.request(.get, "/metrics")
            #expect(refused.status == .unauthorized)
            #expect(try refused.json()["error"] as? String == "log in first")
            let metrics = try await client.request(.get, "/metrics", token: token)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(buffer: metrics.body).contains("alived_routes_test_total 3"))
            #expect(try await client.request(.get, "/metrics", headers: [.cookie: cookie]).status == .ok)

            try await set(#"{"http":{"open_metrics":true}}"#)
            #expect(try await client.request(.get, "/metrics").status == .ok)
        }
    }

    /// The playlist, segment 0 and both kinds of gateway content answer `status`; a
    /// segment or CID the box does not hold is a 404 once past the session check.
    private func expectMediaRoutes(_ client: Client, _ status: HTTPResponse.Status, headers: HTTPFields = [:]) async throws {
        for path in ["/hls/live.m3u8", "/hls/0.ts", "/ipfs/QmSegment", "/ipfs/QmChunk"] {
            let response = try await client.request(.get, path, headers: headers)
            #expect(response.status == status, "\(path) \(headers)")
            if status == .ok { #expect(response.headers[.accessControlAllowOrigin] == "*") }
        }
        for path in ["/hls/9.ts", "/hls/x.ts", "/ipfs/QmMissing"] {
            #expect(try await client.request(.get, path, headers: headers).status == (status == .ok ? .notFound : status), "\(path)")
        }
        if status == .ok {
            let playlist = try await client.request(.get, "/hls/live.m3u8", headers: headers)
            #expect(String(buffer: playlist.body).contains("0.ts"))
            #expect(try await client.request(.get, "/ipfs/QmChunk", headers: headers).headers[.contentType] == "text/csv")
            #expect(try await client.request(.get, "/hls/0.ts", headers: headers).body.readableBytes == 188)
        }
    }

    /// The first start: no password, so every signed-in route refuses and setting one
    /// opens a session (cookie and token).
    @Test func theFirstPasswordOpensASession() async throws {
        let fixture = try Fixture(passwordSet: false)
        try await fixture.test { client in
            #expect(try await client.request(.get, "/api/v1/auth").json()["password_set"] as? Bool == false)
            for route in Self.signedInRoutes {
                #expect(try await client.request(route.method, route.path, body: route.body).status == .unauthorized, "\(route.path)")
            }
            #expect(try await client.request(.post, "/api/v1/auth/login", body: #"{"password":"\#(Self.password)"}"#).status == .conflict)
            let short = try await client.request(.post, "/api/v1/auth/setup", body: #"{"password":"short"}"#)
            #expect(short.status == .badRequest)
            #expect((try short.json()["errors"] as? [[String: Any]])?.first?["path"] as? String == "password")
            let setup = try await client.request(.post, "/api/v1/auth/setup", body: #"{"password":"\#(Self.password)"}"#)
            #expect(setup.status == .created)
            #expect(setup.headers[.setCookie]?.hasSuffix("; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200") == true)
            let token = try #require(try setup.json()["token"] as? String)
            #expect(try await client.request(.get, "/api/v1/secrets", token: token).status == .ok)
        }
    }

    /// The page and the API answer only to the box's own names (421 first, before the
    /// session check); players, nodes and scrapers may use any name.
    @Test func foreignHostNamesAreRefusedOnThePageAndTheAPI() async throws {
        let fixture = try Fixture()
        let responder = fixture.server.router().buildResponder()
        func get(_ path: String, host: String, headers: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, body: ByteBuffer) {
            let request = Request(head: HTTPRequest(method: .get, scheme: "http", authority: host, path: path, headerFields: headers),
                                  body: RequestBody(buffer: ByteBuffer()))
            let context = ControlRequestContext(source: .init(channel: NIOAsyncTestingChannel(), logger: Logger(label: "test")))
            let response = try await responder.respond(to: request, context: context)
            let collector = BodyCollector()
            try await response.body.write(collector)
            return (response.status, collector.box.buffer)
        }
        for path in ["/", "/api/v1/status", "/api/v1/auth", "/api/v1/config", "/api/v1/nope"] {
            let (status, body) = try await get(path, host: "evil.example:8080")
            #expect(status == .misdirectedRequest, "\(path)")
            let message = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])["error"] as? String
            #expect(message?.hasPrefix("this box does not answer to the name evil.example:8080;") == true)
        }
        for path in ["/healthz", "/hls/live.m3u8", "/hls/0.ts", "/metrics", "/ipfs/QmChunk"] {
            #expect(try await get(path, host: "evil.example").status == .ok, "\(path)")
        }
        for host in ["127.0.0.1:8080", "localhost", "[::1]:80"] {
            #expect(try await get("/api/v1/status", host: host).status == .ok, "\(host)")
        }

        // A name added to http.allowed_hosts is the box's own from the next request on.
        let authority = fixture.server.authority
        let session = try await authority.logIn(password: Self.password, from: "test")
        _ = try fixture.server.store.patch(with: try JSONDecoder().decode(ConfigValue.self, from: Data(#"{"http":{"allowed_hosts":["box.venue"]}}"#.utf8)))
        #expect(try await get("/", host: "box.venue").status == .ok)
        #expect(try await get("/api/v1/config", host: "box.venue:8080", headers: [.authorization: "Bearer \(session.token)"]).status == .ok)
        #expect(try await get("/api/v1/config", host: "evil.example", headers: [.authorization: "Bearer \(session.token)"]).status == .misdirectedRequest)
    }
}

/// A response body, whole.
private struct BodyCollector: ResponseBodyWriter {
    final class Box { var buffer = ByteBuffer() }
    let box = Box()
    mutating func write(_ buffer: ByteBuffer) async throws { box.buffer.writeImmutableBuffer(buffer) }
    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

extension TestResponse {
    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }
}

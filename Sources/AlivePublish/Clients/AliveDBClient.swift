import AliveLedger
import AliveStorage
import Foundation
import Logging

/// Client of an AliveDB peer's HTTP API (ALIVE.md): `/currentUser`, `/loginUser` when
/// the peer is logged out, the token sign-in through `/getToken` (message signed with
/// the posting key over a head block the Hive node just reported, so it is fresh by
/// the chain's clock), and `/pushStream` with the bearer token. A refused token (401)
/// triggers one new sign-in and one retry. The token is never logged. `/getStream`
/// tells what the peer holds for the stream (after a restart).
public actor AliveDBClient {
    /// One item `/getStream` lists: a segment's hash and duration.
    public struct Item: Sendable, Equatable {
        public let src: String
        public let duration: Double
    }

    public struct User: Sendable, Equatable {
        public let publicKey: String?
        public let alias: String?
        public let loggedIn: Bool
        public let requiresAccessToken: Bool
        public let authID: String?
    }

    /// Where the sign-in gets its head block and signature.
    public struct SignIn: Sendable {
        public let hive: HiveNodeClient
        public let signer: HiveSigner

        public init(hive: HiveNodeClient, signer: HiveSigner) {
            self.hive = hive
            self.signer = signer
        }
    }

    private let url: String
    private let http: HTTPClient
    private let network: String
    private let streamer: String
    private let link: String
    private let signIn: SignIn?
    private let login: (userID: String, key: String)?
    private let requestTimeout: Duration
    private let logger: Logger
    private var token: String?
    private var knownUser: User?
    /// Token sign-ins done (the first, plus one per refused token).
    public private(set) var signIns = 0

    public init(
        url: String, http: HTTPClient, network: String = "hive", streamer: String, link: String, signIn: SignIn?,
        login: (userID: String, key: String)? = nil, requestTimeout: Duration, logger: Logger
    ) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.http = http
        self.network = network
        self.streamer = streamer
        self.link = link
        self.signIn = signIn
        self.login = login
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// `GET /currentUser`.
    public func currentUser() async throws -> User {
        let response = try await send(HTTPRequest.get(url + "/currentUser"))
        guard response.isSuccess else { throw unexpected(response, "/currentUser") }
        guard let answer = try? JSONDecoder().decode(CurrentUserAnswer.self, from: Data(response.body)) else {
            throw PublishError(.badAnswer, "AliveDB /currentUser answered something else than the user: \(response.bodyText(limit: 120))")
        }
        return User(
            publicKey: answer.pub, alias: answer.alias, loggedIn: answer.loggedIn ?? (answer.pub != nil),
            requiresAccessToken: answer.requiresAccessToken ?? false, authID: answer.authId)
    }

    /// Makes sure the peer is logged in and, when it wants one, that we hold a token.
    public func prepare() async throws -> User {
        var user = try await currentUser()
        if !user.loggedIn {
            guard let login else {
                throw PublishError(.rejected, "the AliveDB peer is not logged in; set publishing.alivedb.user_id and alivedb_key, or log it in")
            }
            let body = try JSValue.object(["id": .string(login.userID), "key": .string(login.key)]).jsonText()
            let response = try await send(HTTPRequest.postJSON(url + "/loginUser", json: Array(body.utf8)))
            guard response.isSuccess else {
                throw PublishError(.rejected, "AliveDB refused /loginUser (HTTP \(response.status)): \(Self.errorText(response))")
            }
            user = try await currentUser()
            guard user.loggedIn else { throw PublishError(.rejected, "AliveDB accepted /loginUser but is still logged out") }
        }
        knownUser = user
        if user.requiresAccessToken && token == nil { try await requestToken(user) }
        return user
    }

    /// Pushes one stored segment. Throws `rejected` for a 400 (this item will never be
    /// taken), `unreachable` for transport trouble and server errors.
    public func push(src: String, duration: Double) async throws {
        if knownUser == nil || (knownUser?.requiresAccessToken == true && token == nil) { _ = try await prepare() }
        let body = Array(try AliveDBPushStream(network: network, streamer: streamer, link: link, src: src, duration: duration).jsonText().utf8)
        var response = try await send(pushRequest(body))
        if response.status == 401 {
            logger.notice("alivedb refused the token, signing in again")
            token = nil
            _ = try await prepare()
            response = try await send(pushRequest(body))
        }
        guard response.isSuccess else {
            if response.status == 400 || response.status == 401 {
                throw PublishError(.rejected, "AliveDB refused the push (HTTP \(response.status)): \(Self.errorText(response))")
            }
            throw unexpected(response, "/pushStream")
        }
    }

    /// `GET /getStream`: the items the peer holds for this stream in the logged-in user's
    /// graph (AliveDB keeps them about 10 minutes), oldest first. `ts=0`: everything it
    /// still has, whatever the box's clock says. Items that are not a hash and a number
    /// are left out; an answer that is not a list is `badAnswer`.
    public func recentItems() async throws -> [Item] {
        let user = try await prepare()
        guard let pub = user.publicKey else { throw PublishError(.badAnswer, "AliveDB /currentUser gave no pub: cannot read its graph") }
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "pub", value: pub), URLQueryItem(name: "network", value: network),
            URLQueryItem(name: "streamer", value: streamer), URLQueryItem(name: "link", value: link),
            URLQueryItem(name: "ts", value: "0"),
        ]
        let response = try await send(HTTPRequest.get(url + "/getStream?" + (query.percentEncodedQuery ?? "")))
        guard response.isSuccess else { throw unexpected(response, "/getStream") }
        guard let answer = try? JSONDecoder().decode([StreamItemAnswer].self, from: Data(response.body)) else {
            throw PublishError(.badAnswer, "AliveDB /getStream answered something else than a list: \(response.bodyText(limit: 120))")
        }
        return answer.compactMap { item in
            guard let src = item.src, let duration = item.len, !src.isEmpty else { return nil }
            return Item(src: src, duration: duration)
        }
    }

    private func pushRequest(_ body: [UInt8]) -> HTTPRequest {
        var headers: [HTTPHeader] = []
        if let token { headers.append(HTTPHeader("Authorization", "Bearer " + token)) }
        return HTTPRequest.postJSON(url + "/pushStream", json: body, headers: headers)
    }

    private func requestToken(_ user: User) async throws {
        guard let signIn else {
            throw PublishError(.configuration, "AliveDB wants an access token: a Hive API node and the posting key are needed to sign in")
        }
        guard let authID = user.authID else { throw PublishError(.badAnswer, "AliveDB wants an access token but gave no authId") }
        let head = try await signIn.hive.dynamicGlobalProperties()
        let message = try AliveDBLoginMessage(streamer: streamer, link: link, authID: authID, network: network, head: head)
        let body = try message.tokenRequestBody(signer: signIn.signer)
        let response = try await send(HTTPRequest(
            method: .post, url: url + "/getToken", body: .bytes(OwnedBytes(Array(body.utf8)), contentType: "text/plain")))
        let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(response.body))
        guard response.isSuccess, let answer, let token = answer.accessToken, !token.isEmpty else {
            throw PublishError(.rejected, "AliveDB refused the token sign-in (HTTP \(response.status)): \(answer?.error ?? Self.errorText(response))")
        }
        self.token = token
        signIns += 1
        logger.info("alivedb signed in", metadata: ["alivedb.head_block": "\(head.headBlockNumber)"])
    }

    private func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        request.totalTimeout = requestTimeout
        request.connectTimeout = min(requestTimeout, .seconds(5))
        request.maxResponseBytes = 1 << 20
        do {
            return try await http.send(request)
        } catch let error as StorageError {
            throw PublishError(.unreachable, "AliveDB \(request.redactedURL): \(error)")
        }
    }

    private func unexpected(_ response: HTTPResponse, _ path: String) -> PublishError {
        PublishError(.unreachable, "AliveDB \(path) answered HTTP \(response.status): \(Self.errorText(response))")
    }

    private static func errorText(_ response: HTTPResponse) -> String {
        if let answer = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(response.body)) { return answer.error }
        return response.bodyText(limit: 120)
    }

    private struct CurrentUserAnswer: Decodable {
        let pub: String?
        let alias: String?
        let loggedIn: Bool?
        let requiresAccessToken: Bool?
        let authId: String?
    }

    private struct TokenAnswer: Decodable {
        let accessToken: String?
        let error: String?
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case error
        }
    }

    private struct ErrorAnswer: Decodable { let error: String }

    /// Lenient per item: one odd item does not hide the others.
    private struct StreamItemAnswer: Decodable {
        let src: String?
        let len: Double?

        init(from decoder: any Decoder) throws {
            let container = try? decoder.container(keyedBy: CodingKeys.self)
            src = try? container?.decodeIfPresent(String.self, forKey: .src)
            len = try? container?.decodeIfPresent(Double.self, forKey: .len)
        }

        enum CodingKeys: String, CodingKey { case src, len }
    }
}

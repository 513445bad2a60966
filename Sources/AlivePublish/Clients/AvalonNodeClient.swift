import AliveStorage
import Foundation
import Logging

/// Avalon's REST API over the box's HTTP client, with fail-over across nodes like
/// `HiveNodeClient`. Chain time is the latest block's timestamp (`/count`, then
/// `/block/<n>`): transactions carry it as `ts`, never the box's clock.
public final class AvalonNodeClient: Sendable {
    public enum TransactOutcome: Sendable, Equatable {
        case accepted
        /// "transaction already in chain": our earlier send got through.
        case duplicate
        case rejected(String)
    }

    public struct Account: Sendable, Equatable {
        public struct Key: Sendable, Equatable {
            public let id: String?
            public let publicKey: String
            public let types: [Int]
        }

        public let name: String
        /// The master key.
        public let publicKey: String
        /// Custom keys with the transaction types each may sign.
        public let keys: [Key]
    }

    let nodes: NodeList
    private let http: HTTPClient
    private let requestTimeout: Duration
    private let logger: Logger

    public init(nodes: [String], http: HTTPClient, requestTimeout: Duration, cooldown: Duration, logger: Logger) {
        self.nodes = NodeList(urls: nodes, cooldown: cooldown)
        self.http = http
        self.requestTimeout = requestTimeout
        self.logger = logger
    }

    /// Milliseconds of the latest block: the chain's time.
    public func chainTimeMilliseconds() async throws -> Int64 {
        let count = try await getJSON("/count", as: CountAnswer.self)
        guard let count else { throw PublishError(.badAnswer, "Avalon /count answered 404") }
        guard let block = try await getJSON("/block/\(count.count)", as: BlockAnswer.self) else {
            throw PublishError(.badAnswer, "Avalon /block/\(count.count) answered 404")
        }
        // A chain time the box's arithmetic (ts + 60 s, ms → s) could trap on, or one before
        // Avalon existed, is a bad answer, not a crash: 2019-01-01 … 2200-01-01.
        guard (Self.earliestChainTime...Self.latestChainTime).contains(block.timestamp) else {
            throw PublishError(.badAnswer, "Avalon /block/\(count.count) has timestamp \(block.timestamp), not a chain time")
        }
        return block.timestamp
    }

    static let earliestChainTime: Int64 = 1_546_300_800_000
    static let latestChainTime: Int64 = 7_258_118_400_000

    /// nil when the node does not know the account.
    public func account(_ name: String) async throws -> Account? {
        guard let answer = try await getJSON("/account/\(name)", as: AccountAnswer.self) else { return nil }
        return Account(
            name: answer.name, publicKey: answer.pub,
            keys: (answer.keys ?? []).map { Account.Key(id: $0.id, publicKey: $0.pub, types: $0.types) })
    }

    /// The playlist's seq → content map; nil when the playlist does not exist.
    public func playlist(author: String, link: String) async throws -> [String: String]? {
        try await getJSON("/playlist/\(author)/\(link)", as: PlaylistAnswer.self).map { $0.playlist ?? [:] }
    }

    /// `POST /transact` of a signed transaction's body (exactly as journaled).
    public func transact(body: String) async throws -> TransactOutcome {
        let answer = try await send(HTTPRequest.postJSON("", json: Array(body.utf8)), path: "/transact") { (response: HTTPResponse) -> TransactOutcome? in
            if response.isSuccess { return .accepted }
            // Avalon answers 500 {"error": …} when it refuses a transaction; a 500
            // without that body is trouble of the node (its pool is full, it crashed).
            if response.status == 500, let refusal = try? JSONDecoder().decode(ErrorAnswer.self, from: Data(response.body)) {
                return refusal.error.localizedCaseInsensitiveContains("already in chain") ? .duplicate : .rejected(refusal.error)
            }
            return nil
        }
        return answer
    }

    // MARK: requests with fail-over

    private func getJSON<R: Decodable & Sendable>(_ path: String, as type: R.Type) async throws -> R? {
        let answer: Found<R> = try await send(HTTPRequest.get(""), path: path) { (response: HTTPResponse) -> Found<R>? in
            if response.status == 404 { return .missing }
            guard response.isSuccess, let value = try? JSONDecoder().decode(R.self, from: Data(response.body)) else { return nil }
            return .found(value)
        }
        if case .found(let value) = answer { return value }
        return nil
    }

    private enum Found<R: Sendable>: Sendable {
        case found(R)
        case missing
    }

    /// Sends `template` to `path` on node after node; `interpret` turns an answer into a
    /// result, or nil when that node's answer is not usable (then the next is asked).
    private func send<T: Sendable>(
        _ template: HTTPRequest, path: String, interpret: (HTTPResponse) -> T?
    ) async throws -> T {
        var lastProblem = "no Avalon API node configured"
        for index in nodes.attemptOrder() {
            try Task.checkCancellation()
            var request = template
            request.url = Self.join(nodes.urls[index], path)
            request.totalTimeout = requestTimeout
            request.connectTimeout = min(requestTimeout, .seconds(5))
            request.maxResponseBytes = 4 << 20
            let problem: String
            do {
                let response = try await http.send(request)
                if let result = interpret(response) {
                    nodes.succeeded(index)
                    return result
                }
                problem = "HTTP \(response.status): \(response.bodyText(limit: 120))"
            } catch let error as StorageError {
                if error.code == .shutDown { throw PublishError(.unreachable, "HTTP client shut down") }
                problem = error.description
            }
            nodes.failed(index)
            lastProblem = "\(HTTPRequest.redactedNode(nodes.urls[index])): \(problem)"
            logger.warning("avalon node failed, trying the next", metadata: [
                "avalon.node": "\(HTTPRequest.redactedNode(nodes.urls[index]))", "avalon.path": "\(path)",
                "avalon.problem": "\(problem)",
            ])
        }
        throw PublishError(.unreachable, "no Avalon API node answered \(path); last: \(lastProblem)")
    }

    static func join(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    // MARK: answers

    private struct CountAnswer: Decodable, Sendable { let count: Int64 }
    private struct BlockAnswer: Decodable, Sendable { let timestamp: Int64 }
    private struct ErrorAnswer: Decodable, Sendable { let error: String }
    private struct PlaylistAnswer: Decodable, Sendable { let playlist: [String: String]? }

    private struct AccountAnswer: Decodable, Sendable {
        struct Key: Decodable, Sendable {
            let id: String?
            let pub: String
            let types: [Int]
        }

        let name: String
        let pub: String
        let keys: [Key]?
    }
}

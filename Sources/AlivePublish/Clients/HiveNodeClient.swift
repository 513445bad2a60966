import AliveLedger
import AliveStorage
import Foundation
import Logging

/// JSON-RPC 2.0 over the box's HTTP client to a list of Hive API nodes, with fail-over:
/// a node that is down, times out, answers non-2xx or garbage, or reports trouble of
/// its own (API not enabled, internal error, database lock) is skipped and the next one
/// asked; a node that answers a proper JSON-RPC error (a refused transaction) is
/// believed, and that answer returned.
///
/// Confirmation lookups use `transaction_status_api.find_transaction` with the
/// transaction's expiration: hived itself then says whether it is in the mempool, in a
/// reversible or an irreversible block, or expired beyond the last irreversible block
/// (then it can never land). When the node no longer tracks that far back (`too_old`),
/// `condenser_api.get_transaction` (account history) settles it.
public final class HiveNodeClient: Sendable {
    public enum BroadcastOutcome: Sendable, Equatable {
        case accepted
        /// The node already knows this transaction (our earlier broadcast got through):
        /// as good as accepted.
        case duplicate
        /// The node refused it; its message says why.
        case rejected(String)
    }

    /// hived's answer to `find_transaction`.
    public enum TransactionStatus: Sendable, Equatable {
        case unknown
        case mempool
        case reversible(block: Int64)
        case irreversible(block: Int64)
        /// Past its expiration, but the blocks before it are not all irreversible yet.
        case expiredReversible
        /// Past its expiration and every block it could have been in is irreversible:
        /// it can never land.
        case expiredIrreversible
        /// Older than what the node tracks.
        case tooOld
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

    // MARK: calls

    /// Head block (reference block, AliveDB login) and chain time.
    public func dynamicGlobalProperties() async throws -> HiveDynamicGlobalProperties {
        try await call("condenser_api.get_dynamic_global_properties", params: "[]", as: HiveDynamicGlobalProperties.self).get()
    }

    /// The account's posting authority, nil when the node does not know the account.
    public func postingAuthority(of account: String) async throws -> HivePostingAuthority? {
        let params = try JSValue.array([.array([.string(account)])]).jsonText()
        let accounts = try await call("condenser_api.get_accounts", params: params, as: [AccountAnswer].self).get()
        guard let found = accounts.first(where: { $0.name == account }) else { return nil }
        return HivePostingAuthority(
            weightThreshold: found.posting.weightThreshold,
            keys: found.posting.keyAuths.map { HivePostingAuthority.Key(publicKey: $0.key, weight: $0.weight) })
    }

    /// Sends a signed transaction (its JSON exactly as journaled).
    public func broadcast(transactionJSON: String) async throws -> BroadcastOutcome {
        let answer = try await call("condenser_api.broadcast_transaction", params: "[" + transactionJSON + "]", as: EmptyAnswer.self)
        switch answer {
        case .result: return .accepted
        case .error(let error):
            // hived: "Duplicate transaction check failed" (the same id is in a recent block or the mempool).
            if error.message.range(of: "duplicate transaction", options: .caseInsensitive) != nil { return .duplicate }
            return .rejected(error.message)
        }
    }

    public func transactionStatus(id: String, expiration: UInt32) async throws -> TransactionStatus {
        let params = try JSValue.object(["transaction_id": .string(id), "expiration": .string(HiveTimestamp.format(expiration))]).jsonText()
        let status = try await call("transaction_status_api.find_transaction", params: params, as: StatusAnswer.self).get()
        switch status.status {
        case "unknown": return .unknown
        case "within_mempool": return .mempool
        case "within_reversible_block":
            guard let block = status.blockNum else { throw PublishError(.badAnswer, "find_transaction: within_reversible_block without block_num") }
            return .reversible(block: block)
        case "within_irreversible_block":
            guard let block = status.blockNum else { throw PublishError(.badAnswer, "find_transaction: within_irreversible_block without block_num") }
            return .irreversible(block: block)
        case "expired_reversible": return .expiredReversible
        case "expired_irreversible": return .expiredIrreversible
        case "too_old": return .tooOld
        default: throw PublishError(.badAnswer, "find_transaction: unknown status \(status.status.debugDescription)")
        }
    }

    /// The block holding the transaction (account history), nil when the node has
    /// never seen it in a block.
    public func transactionBlock(id: String) async throws -> Int64? {
        let params = try JSValue.array([.string(id)]).jsonText()
        switch try await call("condenser_api.get_transaction", params: params, as: TransactionAnswer.self) {
        case .result(let found): return found.blockNum
        case .error(let error):
            if error.message.range(of: "Unknown Transaction", options: .caseInsensitive) != nil { return nil }
            throw PublishError(.rejected, "get_transaction: \(error.message)")
        }
    }

    // MARK: JSON-RPC with fail-over

    struct RPCError: Decodable, Sendable, Equatable {
        let code: Int
        let message: String
    }

    enum Answer<R: Sendable>: Sendable {
        case result(R)
        case error(RPCError)

        func get() throws -> R {
            switch self {
            case .result(let value): return value
            case .error(let error): throw PublishError(.rejected, "\(error.message) (code \(error.code))")
            }
        }
    }

    private struct Envelope<R: Decodable>: Decodable {
        let result: R?
        let error: RPCError?
    }

    /// One call, node after node until one answers it properly.
    func call<R: Decodable & Sendable>(_ method: String, params: String, as type: R.Type) async throws -> Answer<R> {
        let body = Array(#"{"jsonrpc":"2.0","method":"\#(method)","params":\#(params),"id":1}"#.utf8)
        var lastProblem = "no Hive API node configured"
        for index in nodes.attemptOrder() {
            try Task.checkCancellation()
            let url = nodes.urls[index]
            var request = HTTPRequest.postJSON(url, json: body)
            request.totalTimeout = requestTimeout
            request.connectTimeout = min(requestTimeout, .seconds(5))
            request.maxResponseBytes = 4 << 20
            let problem: String
            do {
                let response = try await http.send(request)
                if response.isSuccess, let envelope = try? JSONDecoder().decode(Envelope<R>.self, from: Data(response.body)) {
                    if let error = envelope.error {
                        if !Self.isNodeTrouble(error) {
                            nodes.succeeded(index)
                            return .error(error)
                        }
                        problem = "node trouble: \(error.message) (code \(error.code))"
                    } else if let result = envelope.result {
                        nodes.succeeded(index)
                        return .result(result)
                    } else {
                        problem = "answer without result or error"
                    }
                } else {
                    problem = response.isSuccess ? "answer is not the expected JSON-RPC" : "HTTP \(response.status)"
                }
            } catch let error as StorageError {
                if error.code == .shutDown { throw PublishError(.unreachable, "HTTP client shut down") }
                problem = error.description
            }
            nodes.failed(index)
            lastProblem = "\(HTTPRequest.redactedNode(url)): \(problem)"
            logger.warning("hive node failed, trying the next", metadata: [
                "hive.node": "\(HTTPRequest.redactedNode(url))", "hive.method": "\(method)", "hive.problem": "\(problem)",
            ])
        }
        throw PublishError(.unreachable, "no Hive API node answered \(method); last: \(lastProblem)")
    }

    /// Errors that are the node's trouble, not an answer about our request.
    static func isNodeTrouble(_ error: RPCError) -> Bool {
        if [-32601, -32603, -32000].contains(error.code) { return true }  // API not enabled here, internal error
        return error.message.range(of: "Unable to acquire", options: .caseInsensitive) != nil
    }

    // MARK: answers

    private struct EmptyAnswer: Decodable, Sendable {}

    private struct StatusAnswer: Decodable, Sendable {
        let status: String
        let blockNum: Int64?
        enum CodingKeys: String, CodingKey {
            case status
            case blockNum = "block_num"
        }
    }

    private struct TransactionAnswer: Decodable, Sendable {
        let blockNum: Int64
        enum CodingKeys: String, CodingKey { case blockNum = "block_num" }
    }

    private struct AccountAnswer: Decodable, Sendable {
        struct Authority: Decodable, Sendable {
            let weightThreshold: Int
            let keyAuths: [KeyAuth]
            enum CodingKeys: String, CodingKey {
                case weightThreshold = "weight_threshold"
                case keyAuths = "key_auths"
            }
        }

        /// `["STM…", weight]`.
        struct KeyAuth: Decodable, Sendable {
            let key: String
            let weight: Int
            init(from decoder: any Decoder) throws {
                var container = try decoder.unkeyedContainer()
                key = try container.decode(String.self)
                weight = try container.decode(Int.self)
            }
        }

        let name: String
        let posting: Authority
    }
}

/// An account's posting authority as the node reports it.
public struct HivePostingAuthority: Sendable, Equatable {
    public struct Key: Sendable, Equatable {
        public let publicKey: String
        public let weight: Int
    }

    public let weightThreshold: Int
    public let keys: [Key]
}

extension HTTPRequest {
    /// A node URL safe to log: no query, no `user:password@`.
    static func redactedNode(_ url: String) -> String {
        var text = HTTPRequest.get(url).redactedURL
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
           !text[scheme.upperBound..<at].contains("/") {
            text.removeSubrange(scheme.upperBound...at)
        }
        return text
    }
}

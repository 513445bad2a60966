/// A signed Hive transaction: what the journal records before broadcast and what is
/// sent (and re-sent, unchanged) to `condenser_api.broadcast_transaction`.
public struct HiveSignedTransaction: Sendable, Equatable {
    public let transaction: HiveTransaction
    public let signatures: [HiveSignature]

    public init(transaction: HiveTransaction, signatures: [HiveSignature]) {
        self.transaction = transaction
        self.signatures = signatures
    }

    /// Transaction id (hex, 40 chars), as nodes and block explorers show it.
    public var id: String { transaction.id }

    /// Unix seconds after which the chain will never include it.
    public var expiration: UInt32 { transaction.expiration }

    /// The transaction JSON, as `params[0]` of the broadcast call.
    public func jsonText() throws -> String {
        var object = transaction.jsonObject()
        object["signatures"] = .array(signatures.map { .string($0.hex) })
        return try JSValue.object(object).jsonText()
    }

    /// A complete JSON-RPC 2.0 request broadcasting this transaction.
    /// `method` is `condenser_api.broadcast_transaction` or its `_synchronous` form.
    public func broadcastRequestBody(
        method: String = "condenser_api.broadcast_transaction",
        requestID: Int64 = 1
    ) throws -> String {
        var object = transaction.jsonObject()
        object["signatures"] = .array(signatures.map { .string($0.hex) })
        let body: JSValue = [
            "jsonrpc": "2.0",
            "method": .string(method),
            "params": [.object(object)],
            "id": .integer(requestID),
        ]
        return try body.jsonText()
    }
}

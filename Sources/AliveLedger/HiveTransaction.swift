import Crypto

/// An unsigned Hive transaction carrying `custom_json` operations, with the bytes,
/// digest and id Hive derives from it. Extensions are always empty.
public struct HiveTransaction: Sendable, Equatable {
    /// Hive refuses an expiration more than one hour after head block time.
    public static let maximumExpirationDelay: UInt32 = 3_600

    public let refBlockNum: UInt16
    public let refBlockPrefix: UInt32
    /// Unix seconds, UTC.
    public let expiration: UInt32
    public let operations: [HiveCustomJSON]

    public init(refBlockNum: UInt16, refBlockPrefix: UInt32, expiration: UInt32, operations: [HiveCustomJSON]) throws {
        guard !operations.isEmpty else { throw LedgerError.invalidInput("a transaction needs at least one operation") }
        self.refBlockNum = refBlockNum
        self.refBlockPrefix = refBlockPrefix
        self.expiration = expiration
        self.operations = operations
    }

    /// References the node's head block and expires `expiresAfter` seconds after the
    /// head block time (1 … 3600): the chain's clock, never the box's.
    public init(referencing head: HiveDynamicGlobalProperties, expiresAfter: UInt32, operations: [HiveCustomJSON]) throws {
        guard (1...Self.maximumExpirationDelay).contains(expiresAfter) else {
            throw LedgerError.invalidInput("expiration must be 1–\(Self.maximumExpirationDelay) s after head block time")
        }
        let (expiration, overflow) = head.time.addingReportingOverflow(expiresAfter)
        guard !overflow else { throw LedgerError.invalidInput("head block time too late for a 32-bit expiration") }
        try self.init(refBlockNum: head.refBlockNum, refBlockPrefix: head.refBlockPrefix, expiration: expiration, operations: operations)
    }

    /// The bytes that are signed (signatures excluded).
    public func serialized() -> [UInt8] {
        var writer = HiveBinaryWriter()
        writer.appendUInt16(refBlockNum)
        writer.appendUInt32(refBlockPrefix)
        writer.appendUInt32(expiration)
        writer.appendVarint(UInt64(operations.count))
        for operation in operations {
            writer.appendVarint(HiveCustomJSON.operationID)
            writer.appendStrings(operation.requiredAuths)
            writer.appendStrings(operation.requiredPostingAuths)
            writer.appendString(operation.id)
            writer.appendString(operation.json)
        }
        writer.appendVarint(0)  // extensions
        return writer.bytes
    }

    /// SHA-256(chain id · serialized bytes): what the signature covers.
    public func digest(chain: HiveChain) -> [UInt8] {
        Array(SHA256.hash(data: chain.chainID + serialized()))
    }

    /// Transaction id: the first 20 bytes of SHA-256(serialized bytes), hex. The
    /// same whatever the signatures, so a re-broadcast keeps its id.
    public var id: String {
        Hex.encode(SHA256.hash(data: serialized()).prefix(20))
    }

    /// The transaction as JSON (without `signatures`), key order as nodes print it.
    func jsonObject() -> JSObject {
        [
            "ref_block_num": .integer(Int64(refBlockNum)),
            "ref_block_prefix": .integer(Int64(refBlockPrefix)),
            "expiration": .string(HiveTimestamp.format(expiration)),
            "operations": .array(operations.map { operation in
                [
                    "custom_json",
                    .object([
                        "required_auths": .array(operation.requiredAuths.map { .string($0) }),
                        "required_posting_auths": .array(operation.requiredPostingAuths.map { .string($0) }),
                        "id": .string(operation.id),
                        "json": .string(operation.json),
                    ]),
                ]
            }),
            "extensions": [],
        ]
    }
}

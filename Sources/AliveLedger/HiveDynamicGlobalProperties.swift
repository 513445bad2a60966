/// The part of `condenser_api.get_dynamic_global_properties` the box signs with:
/// the head block (reference block of transactions, AliveDB login) and the chain's
/// time. A Pi may boot with a 1970 clock, so expiration, Avalon `ts` and token
/// freshness come from `time` here, never from the local clock.
public struct HiveDynamicGlobalProperties: Sendable, Equatable, Decodable {
    public let headBlockNumber: UInt32
    /// 20-byte block id; its first 4 bytes are the block number, big-endian.
    public let headBlockID: [UInt8]
    /// Head block time, Unix seconds.
    public let time: UInt32

    public init(headBlockNumber: UInt32, headBlockIDHex: String, time: String) throws {
        let id = try Hex.decode(headBlockIDHex, what: "head_block_id")
        guard id.count == 20 else { throw LedgerError.invalidInput("head_block_id must be 20 bytes (40 hex digits)") }
        let embedded = UInt32(id[0]) << 24 | UInt32(id[1]) << 16 | UInt32(id[2]) << 8 | UInt32(id[3])
        guard embedded == headBlockNumber else {
            throw LedgerError.invalidInput("head_block_id does not belong to head_block_number \(headBlockNumber)")
        }
        self.headBlockNumber = headBlockNumber
        self.headBlockID = id
        self.time = try HiveTimestamp.parse(time)
    }

    private enum CodingKeys: String, CodingKey {
        case headBlockNumber = "head_block_number"
        case headBlockID = "head_block_id"
        case time
    }

    /// Decodes the JSON-RPC `result` object; other fields are ignored.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            headBlockNumber: container.decode(UInt32.self, forKey: .headBlockNumber),
            headBlockIDHex: container.decode(String.self, forKey: .headBlockID),
            time: container.decode(String.self, forKey: .time)
        )
    }

    public var headBlockIDHex: String { Hex.encode(headBlockID) }

    /// `ref_block_num`: the low 16 bits of the head block number.
    public var refBlockNum: UInt16 { UInt16(truncatingIfNeeded: headBlockNumber) }

    /// `ref_block_prefix`: bytes 4..<8 of the head block id, little-endian.
    public var refBlockPrefix: UInt32 {
        UInt32(headBlockID[4]) | UInt32(headBlockID[5]) << 8 | UInt32(headBlockID[6]) << 16 | UInt32(headBlockID[7]) << 24
    }
}

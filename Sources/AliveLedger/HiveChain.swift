/// Which Hive network a transaction is signed for: the chain id that prefixes the
/// signed bytes, and the prefix of public key strings.
public struct HiveChain: Sendable, Equatable {
    public let chainID: [UInt8]
    public let publicKeyPrefix: String

    /// Hive mainnet: chain id `beeab0de00…00`, keys `STM…`.
    public static let mainnet = HiveChain(
        validChainID: [0xBE, 0xEA, 0xB0, 0xDE] + [UInt8](repeating: 0, count: 28),
        publicKeyPrefix: "STM"
    )

    /// A configured chain (testnets use their own id and usually `TST`).
    public init(chainIDHex: String, publicKeyPrefix: String) throws {
        let id = try Hex.decode(chainIDHex, what: "chain id")
        guard id.count == 32 else { throw LedgerError.invalidInput("chain id must be 32 bytes (64 hex digits)") }
        guard (1...8).contains(publicKeyPrefix.utf8.count), publicKeyPrefix.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
            throw LedgerError.invalidInput("public key prefix must be 1–8 capital letters (STM, TST)")
        }
        self.init(validChainID: id, publicKeyPrefix: publicKeyPrefix)
    }

    private init(validChainID: [UInt8], publicKeyPrefix: String) {
        chainID = validChainID
        self.publicKeyPrefix = publicKeyPrefix
    }

    public var chainIDHex: String { Hex.encode(chainID) }
}

import AliveEncoding

extension PublicKey {
    /// Parses `STM…` / `TST…`: the prefix, then base58(point · first 4 bytes of
    /// RIPEMD-160(point)).
    public init(hiveString text: String, prefix: String) throws {
        guard text.hasPrefix(prefix) else {
            throw LedgerError.invalidKey("public key must start with \(prefix)")
        }
        let decoded = try Base58.decode(String(text.dropFirst(prefix.count)), what: "Hive public key")
        guard decoded.count == 37 else {
            throw LedgerError.invalidKey("Hive public key must decode to 37 bytes, got \(decoded.count)")
        }
        let point = Array(decoded[0..<33])
        guard RIPEMD160.hash(point).prefix(4).elementsEqual(decoded[33...]) else {
            throw LedgerError.invalidKey("Hive public key checksum does not match")
        }
        try self.init(compressed: point)
    }

    /// `prefix` is `STM` on mainnet, `TST` on testnets (`HiveChain.publicKeyPrefix`).
    public func hiveString(prefix: String) -> String {
        prefix + Base58.encode(compressed + RIPEMD160.hash(compressed).prefix(4))
    }
}

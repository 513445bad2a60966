import AliveEncoding

extension PublicKey {
    /// Avalon public keys are base58 of the 33-byte compressed point.
    public init(avalonString text: String) throws {
        let decoded = try Base58.decode(text, what: "Avalon public key")
        guard decoded.count == 33 else {
            throw LedgerError.invalidKey("Avalon public key must decode to 33 bytes, got \(decoded.count)")
        }
        try self.init(compressed: decoded)
    }

    public var avalonString: String { Base58.encode(compressed) }
}

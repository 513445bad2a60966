import AliveEncoding

extension PrivateKey {
    /// Avalon keys are base58 of the raw 32 bytes: no prefix, no checksum.
    public init(avalonBase58 text: String) throws {
        let decoded: [UInt8]
        do {
            decoded = try Base58.decode(text.trimmingWhitespace, what: "Avalon private key")
        } catch {
            throw LedgerError.invalidKey("Avalon private key is not base58")
        }
        guard decoded.count == 32 else {
            throw LedgerError.invalidKey("Avalon private key must decode to 32 bytes, got \(decoded.count)")
        }
        try self.init(rawSecret: decoded)
    }

    /// The Avalon text of this key (for tests and key tooling; never log it).
    var avalonBase58: String { Base58.encode(secret) }
}

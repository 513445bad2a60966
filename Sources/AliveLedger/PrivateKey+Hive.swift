import AliveEncoding
import Crypto

extension PrivateKey {
    /// Hive's Wallet Import Format: base58(0x80 · secret · first 4 bytes of
    /// SHA-256(SHA-256(0x80 · secret))). Errors never repeat the text.
    public init(hiveWIF wif: String) throws {
        let decoded: [UInt8]
        do {
            decoded = try Base58.decode(wif.trimmingWhitespace, what: "WIF")
        } catch {
            throw LedgerError.invalidKey("WIF private key is not base58")
        }
        guard decoded.count == 37 else {
            throw LedgerError.invalidKey("WIF private key must decode to 37 bytes, got \(decoded.count)")
        }
        guard decoded[0] == 0x80 else {
            throw LedgerError.invalidKey("WIF private key must start with version byte 0x80")
        }
        let payload = Array(decoded[0..<33])
        let checksum = Array(SHA256.hash(data: Array(SHA256.hash(data: payload)))).prefix(4)
        guard Array(checksum) == Array(decoded[33...]) else {
            throw LedgerError.invalidKey("WIF private key checksum does not match (typo in the key?)")
        }
        try self.init(rawSecret: Array(decoded[1..<33]))
    }

    /// The WIF text of this key (for tests and key tooling; never log it).
    var hiveWIF: String {
        let payload = [0x80] + secret
        let checksum = Array(SHA256.hash(data: Array(SHA256.hash(data: payload)))).prefix(4)
        return Base58.encode(payload + checksum)
    }
}

extension String {
    /// Keys pasted into a secrets file often carry a newline or spaces at the ends.
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

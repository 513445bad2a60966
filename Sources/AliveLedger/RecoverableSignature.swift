/// A compact secp256k1 signature (r · s, 64 bytes) with its recovery id (0…3): the
/// form both Hive and Avalon put on the wire.
public struct RecoverableSignature: Sendable, Hashable {
    public let compact: [UInt8]
    public let recoveryID: Int

    public init(compact: [UInt8], recoveryID: Int) throws {
        guard compact.count == 64 else {
            throw LedgerError.invalidSignature("compact signature must be 64 bytes, got \(compact.count)")
        }
        guard (0...3).contains(recoveryID) else {
            throw LedgerError.invalidSignature("recovery id must be 0…3, got \(recoveryID)")
        }
        self.compact = compact
        self.recoveryID = recoveryID
    }
}

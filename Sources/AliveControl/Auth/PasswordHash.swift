import _CryptoExtras
import Crypto
import Foundation

/// The page password, stored as a salted scrypt hash: `scrypt$N$r$p$<salt>$<hash>` (base64).
/// scrypt is slow and memory-hard on purpose (16 MiB, ~0.1 s on a laptop), so a stolen
/// secrets file does not give the password away cheaply.
public enum PasswordHash {
    public static let minimumLength = 8
    static let cost = 16_384, blockSize = 8, parallelism = 1, outputBytes = 32

    public static func make(_ password: String) throws -> String {
        try make(password, cost: cost, blockSize: blockSize)
    }

    /// Other parameters: tests use cheap ones (`verify` reads them from the stored hash).
    static func make(_ password: String, cost: Int, blockSize: Int) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let hash = try derive(password, salt: salt, cost: cost, blockSize: blockSize, parallelism: parallelism)
        return "scrypt$\(cost)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Constant-time comparison against a stored hash; false for a malformed one.
    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt",
              let n = Int(parts[1]), let r = Int(parts[2]), let p = Int(parts[3]),
              (1024...1_048_576).contains(n), (1...16).contains(r), (1...4).contains(p),
              let salt = Data(base64Encoded: parts[4]), let expected = Data(base64Encoded: parts[5]),
              let actual = try? derive(password, salt: Array(salt), cost: n, blockSize: r, parallelism: p),
              actual.count == expected.count else { return false }
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func derive(_ password: String, salt: [UInt8], cost: Int, blockSize: Int, parallelism: Int) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: outputBytes,
                                           rounds: cost, blockSize: blockSize, parallelism: parallelism)
        return key.withUnsafeBytes { Array($0) }
    }
}

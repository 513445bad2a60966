/// Validation of the names and hashes the protocol carries, so bad configuration or
/// a bad storage reply is refused before anything is signed.
enum AliveNames {
    /// Hive account: 3–16 chars; dot-separated segments of ≥ 3 chars, each starting
    /// with a lowercase letter, ending with a letter or digit, `[a-z0-9-]` inside.
    static func validateHiveAccount(_ name: String) throws {
        let utf8 = Array(name.utf8)
        guard (3...16).contains(utf8.count) else {
            throw LedgerError.invalidInput("Hive account name must be 3–16 characters")
        }
        for segment in utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard segment.count >= 3,
                  let first = segment.first, isLower(first),
                  let last = segment.last, isLower(last) || isDigit(last),
                  segment.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") })
            else { throw LedgerError.invalidInput("Hive account name is not valid (\(name.debugDescription))") }
        }
    }

    /// Stream link: 1–50 chars of `[A-Za-z0-9_-]`.
    static func validateLink(_ link: String, minimumLength: Int = 1) throws {
        let utf8 = Array(link.utf8)
        guard (minimumLength...50).contains(utf8.count),
              utf8.allSatisfy({ isLower($0) || isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw LedgerError.invalidInput("link must be \(minimumLength)–50 characters of A–Z, a–z, 0–9, _ and -") }
    }

    /// Storage hash (IPFS CID, Skynet skylink): 1–100 chars of `[A-Za-z0-9_-]`.
    static func validateStorageHash(_ hash: String, what: String = "src") throws {
        let utf8 = Array(hash.utf8)
        guard (1...100).contains(utf8.count),
              utf8.allSatisfy({ isLower($0) || isUpper($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { throw LedgerError.invalidInput("\(what) must be a storage hash (1–100 characters of A–Z, a–z, 0–9, _ and -)") }
    }

    /// Avalon account: 1–50 chars of `[a-z0-9]`, with `-` and `.` allowed only inside.
    static func validateAvalonAccount(_ name: String) throws {
        let utf8 = Array(name.utf8)
        guard (1...50).contains(utf8.count),
              let first = utf8.first, isLower(first) || isDigit(first),
              let last = utf8.last, isLower(last) || isDigit(last),
              utf8.allSatisfy({ isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") })
        else { throw LedgerError.invalidInput("Avalon account name is not valid (\(name.debugDescription))") }
    }

    /// A part of a `:`-joined message: non-empty, no `:` and no control characters.
    static func validateMessagePart(_ part: String, what: String) throws {
        guard !part.isEmpty, part.utf8.count <= 200,
              !part.unicodeScalars.contains(where: { $0 == ":" || $0.value < 0x20 || $0.value == 0x7F })
        else { throw LedgerError.invalidInput("\(what) must be 1–200 characters without ':' or control characters") }
    }

    private static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    private static func isUpper(_ c: UInt8) -> Bool { c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") }
    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
}

import AliveEncoding

extension Base58 {
    /// `what` names the field in the error (never the text itself: it may be a key).
    static func decode(_ text: String, what: String) throws -> [UInt8] {
        do {
            return try decode(text)
        } catch .tooLong {
            throw LedgerError.invalidInput("\(what): longer than \(maximumTextLength) characters")
        } catch .notBase58 {
            throw LedgerError.invalidInput("\(what): not base58")
        }
    }
}

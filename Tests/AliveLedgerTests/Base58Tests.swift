import AliveEncoding
import Testing
@testable import AliveLedger

@Suite struct Base58Tests {
    @Test(arguments: [
        ("", ""),
        ("00", "1"),
        ("0000", "11"),
        ("61", "2g"),
        ("626262", "a3gV"),
        ("636363", "aPEr"),
        ("00000000000000000000", "1111111111"),
        ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
        ("516b6fcd0f", "ABnLTmg"),
        ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
        ("000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"),
    ])
    func bitcoinVectors(hex: String, text: String) throws {
        let bytes = try Hex.decode(hex, what: "test")
        #expect(Base58.encode(bytes) == text)
        #expect(try Base58.decode(text, what: "test") == bytes)
    }

    @Test func roundTripsRandomBytes() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if length > 3 { bytes[0] = 0; bytes[1] = 0 }  // leading zeros become '1's
            #expect(try Base58.decode(Base58.encode(bytes), what: "test") == bytes)
        }
    }

    @Test(arguments: ["0", "O", "I", "l", "abc!", "ü"])
    func refusesCharactersOutsideTheAlphabet(text: String) {
        #expect(throws: LedgerError.self) { try Base58.decode(text, what: "test") }
    }

    @Test func refusesOverlongText() {
        let error = #expect(throws: LedgerError.self) {
            try Base58.decode(String(repeating: "z", count: Base58.maximumTextLength + 1), what: "test")
        }
        #expect(error?.kind == .invalidInput)
    }
}

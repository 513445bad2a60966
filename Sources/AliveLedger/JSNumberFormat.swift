/// JavaScript's Number::toString for finite doubles (ECMA-262, 6.1.6.1.20): the
/// shortest digits that round-trip, printed in plain decimal when the decimal
/// exponent is in −6 … 21, otherwise as `d.ddde+x`. Swift's `description` already
/// finds the shortest round-trip digits (same rule as ECMAScript); only the layout
/// differs (`1e-05` vs `0.00001`, `10.0` vs `10`, `1.5e+20` vs `150000000000000000000`).
enum JSNumberFormat {
    static func string(_ value: Double) throws -> String {
        guard value.isFinite else {
            throw LedgerError.invalidInput("number \(value) has no JSON form")
        }
        if value == 0 { return "0" }  // −0 too, as in JavaScript
        if value < 0 { return "-" + (try string(-value)) }

        let (digits, n) = shortestDigits(value)
        let k = digits.count
        if k <= n && n <= 21 {
            return String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(decoding: digits[0..<n], as: UTF8.self) + "." + String(decoding: digits[n...], as: UTF8.self)
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + String(decoding: digits, as: UTF8.self)
        }
        let exponent = n - 1
        let sign = exponent < 0 ? "-" : "+"
        let mantissa = k == 1
            ? String(decoding: digits, as: UTF8.self)
            : String(decoding: digits[0..<1], as: UTF8.self) + "." + String(decoding: digits[1...], as: UTF8.self)
        return mantissa + "e" + sign + String(abs(exponent))
    }

    /// For a positive finite value: its shortest decimal digits d1…dk (no leading or
    /// trailing zeros) and n such that value = 0.d1…dk × 10^n.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], n: Int) {
        // `description` is "123.45", "0.001", "1e-05" or "1.2345e+20".
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(of: UInt8(ascii: "e")) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self))!
        }
        let point = mantissa.firstIndex(of: UInt8(ascii: ".")) ?? mantissa.endIndex
        let integerDigits = point - mantissa.startIndex
        var digits = Array(mantissa.filter { $0 != UInt8(ascii: ".") })
        // value = 0.digits × 10^(integerDigits + exponent) before trimming zeros.
        var n = integerDigits + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, n)
    }
}

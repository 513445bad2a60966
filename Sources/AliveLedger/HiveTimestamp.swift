/// Hive's time format `YYYY-MM-DDTHH:MM:SS` (UTC, no zone, no fraction) ⇄ Unix
/// seconds. Hand-written (days-from-civil) rather than a DateFormatter: it is exact,
/// locale-free, Sendable, and accepts nothing but that one shape.
public enum HiveTimestamp {
    /// Unix seconds of a Hive time string; throws on anything else.
    public static func parse(_ text: String) throws -> UInt32 {
        let c = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard c[i] >= 0x30, c[i] <= 0x39 else { return nil }
                value = value * 10 + Int(c[i] - 0x30)
            }
            return value
        }
        guard c.count == 19, c[4] == UInt8(ascii: "-"), c[7] == UInt8(ascii: "-"), c[10] == UInt8(ascii: "T"),
              c[13] == UInt8(ascii: ":"), c[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { throw LedgerError.invalidInput("time must look like YYYY-MM-DDTHH:MM:SS") }
        guard (1970...2106).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 60
        else { throw LedgerError.invalidInput("time is not a valid date between 1970 and 2106") }
        let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
        guard let result = UInt32(exactly: seconds) else {
            throw LedgerError.invalidInput("time is beyond what Hive's 32-bit expiration holds")
        }
        return result
    }

    public static func format(_ unixSeconds: UInt32) -> String {
        let total = Int(unixSeconds)
        let (year, month, day) = civilFromDays(total / 86_400)
        let secondsOfDay = total % 86_400
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondsOfDay / 3_600)):\(two(secondsOfDay % 3_600 / 60)):\(two(secondsOfDay % 60))"
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's algorithms (proleptic Gregorian calendar), for years ≥ 1970.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

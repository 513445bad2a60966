/// The stream link a box gives each event, from `publishing.link`: literal text with the
/// placeholders `{date}` (the UTC date the stream opens, `YYYYMMDD`, by the box's clock)
/// and `{n}` (the stream's number from this template: 1, 2, 3, …). Without `{n}` the
/// first stream's link is the text as it is and the next ones get `-2`, `-3`, … after it,
/// so a fixed link from before templates keeps naming the first stream.
///
/// Every link it can make must be a link the protocol takes (1–50 characters of
/// `A–Z a–z 0–9 _ -`, 3–50 on Avalon): checked with the longest expansions (numbers up to
/// `maximumNumber`) and the shortest, when the template is read.
public struct StreamLinkTemplate: Sendable, Equatable, CustomStringConvertible {
    public let text: String
    /// Streams a template numbers at most: 99999 events.
    public static let maximumNumber = 99_999

    private enum Piece: Equatable {
        case literal(String)
        case date
        case number
    }

    private let pieces: [Piece]

    /// Throws the reason (for `publishing.link`) when the text is not a template of valid links.
    public init(_ text: String, minimumLength: Int = 1) throws(PublishingConfigurationProblem) {
        self.text = text
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let first = rest.first {
            if first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    throw Self.problem("has a \"{\" without \"}\" (placeholders: {date}, {n})")
                }
                let name = rest[rest.index(after: rest.startIndex)..<close]
                switch name {
                case "date": pieces.append(.literal(literal)); pieces.append(.date)
                case "n": pieces.append(.literal(literal)); pieces.append(.number)
                default: throw Self.problem("unknown placeholder {\(name)} (placeholders: {date}, {n})")
                }
                literal = ""
                rest = rest[rest.index(after: close)...]
            } else if first == "}" {
                throw Self.problem("has a \"}\" without \"{\" (placeholders: {date}, {n})")
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        pieces.append(.literal(literal))
        self.pieces = pieces.filter { $0 != .literal("") }
        guard self.pieces.filter({ $0 == .number }).count <= 1 else { throw Self.problem("has {n} more than once") }
        let longest = link(number: Self.maximumNumber, date: (9999, 12, 31))
        let shortest = link(number: 1, date: (1970, 1, 1))
        let range = minimumLength == 1 ? "1–50" : "\(minimumLength)–50"
        for sample in [shortest, longest] {
            guard (minimumLength...50).contains(sample.utf8.count),
                  sample.utf8.allSatisfy({ Self.isLinkByte($0) }) else {
                throw Self.problem("must make links of \(range) characters of A–Z, a–z, 0–9, _ and - (\"\(text)\" can make \"\(sample)\")")
            }
        }
    }

    private static func problem(_ reason: String) -> PublishingConfigurationProblem {
        PublishingConfigurationProblem(path: "publishing.link", reason: reason)
    }

    private static func isLinkByte(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    /// Whether the template makes a different link per stream by itself.
    public var hasPlaceholders: Bool { pieces.contains { $0 != .literal(text) } }

    /// The link of stream `number` (1…) opened on `date` (UTC year, month, day).
    public func link(number: Int, date: (year: Int, month: Int, day: Int)) -> String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var link = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): link += text
            case .date: link += padded(date.year, 4) + padded(date.month, 2) + padded(date.day, 2)
            case .number: link += String(number)
            }
        }
        if !pieces.contains(.number) && number > 1 { link += "-\(number)" }
        return link
    }

    /// The link of stream `number` opened at `unixMilliseconds` (its UTC date).
    public func link(number: Int, at unixMilliseconds: Int64) -> String {
        link(number: number, date: Self.civilDate(daysSinceEpoch: Int(floorDiv(unixMilliseconds, 86_400_000))))
    }

    public var description: String { text }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Howard Hinnant's days-to-civil: the proleptic Gregorian date of a day count.
    static func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

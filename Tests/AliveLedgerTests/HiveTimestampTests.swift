import Testing
@testable import AliveLedger

@Suite struct HiveTimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00", UInt32(0)),
        ("2024-01-01T00:00:00", UInt32(1_704_067_200)),
        ("2024-01-01T00:00:30", UInt32(1_704_067_230)),
        ("2024-02-29T23:59:59", UInt32(1_709_251_199)),
        ("2030-06-15T12:34:56", UInt32(1_907_757_296)),
        ("2000-03-01T00:00:00", UInt32(951_868_800)),
        ("2106-02-07T06:28:15", UInt32.max),
    ])
    func convertsBothWays(text: String, seconds: UInt32) throws {
        #expect(try HiveTimestamp.parse(text) == seconds)
        #expect(HiveTimestamp.format(seconds) == text)
    }

    @Test func roundTripsEveryDayOverAFewCenturiesOfUInt32() throws {
        for day in stride(from: UInt32(0), to: UInt32.max / 86_400, by: 1) {
            let seconds = day * 86_400 + (day % 86_400)
            #expect(try HiveTimestamp.parse(HiveTimestamp.format(seconds)) == seconds)
        }
    }

    @Test(arguments: [
        "", "2024-01-01", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000", "2024-01-01 00:00:00",
        "2023-02-29T00:00:00", "2024-13-01T00:00:00", "2024-01-32T00:00:00", "2024-01-01T24:00:00",
        "1969-12-31T23:59:59", "2106-02-07T06:28:16", "２０２４-01-01T00:00:00",
    ])
    func refusesAnythingElse(text: String) {
        #expect(throws: LedgerError.self) { try HiveTimestamp.parse(text) }
    }
}

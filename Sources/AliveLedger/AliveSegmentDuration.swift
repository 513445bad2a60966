/// Segment duration `len`: seconds rounded to 3 decimals as the reference daemon
/// does, and within 0 < len < 100 as consumers accept it.
public enum AliveSegmentDuration {
    public static func rounded(_ seconds: Double) throws -> Double {
        guard seconds.isFinite else { throw LedgerError.invalidInput("segment duration must be a finite number") }
        // n / 1000 is the double nearest to the 3-decimal value, so it prints as such.
        let value = (seconds * 1_000).rounded(.toNearestOrAwayFromZero) / 1_000
        guard value > 0, value < 100 else {
            throw LedgerError.invalidInput("segment duration must be above 0 and below 100 s after rounding to 3 decimals")
        }
        return value
    }
}

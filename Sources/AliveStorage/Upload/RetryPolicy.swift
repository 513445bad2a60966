/// Exponential back-off with full jitter, capped: attempt n waits a random time in
/// [delay/2, delay] where delay = min(initialDelay · multiplier^(n-1), maxDelay).
/// A segment is retried until it is stored or leaves the ring (then it is a gap).
///
/// The cap is short for a live stream: once the venue's network is back, the backlog
/// starts within `maxDelay` (a 30 s cap delayed it by up to 15 segments of 2 s), and one
/// box's attempt every 5–10 s costs a down endpoint nothing.
public struct RetryPolicy: Sendable {
    public var initialDelay: Duration = .milliseconds(500)
    public var multiplier: Double = 2
    public var maxDelay: Duration = .seconds(10)

    public init(initialDelay: Duration = .milliseconds(500), multiplier: Double = 2, maxDelay: Duration = .seconds(10)) {
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maxDelay = maxDelay
    }

    /// Wait before retry number `attempt` (1 for the first retry).
    public func delay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let capped = cappedDelay(forAttempt: attempt)
        let jitter = Double.random(in: 0.5...1.0, using: &generator)
        return capped * jitter
    }

    /// The back-off before jitter.
    public func cappedDelay(forAttempt attempt: Int) -> Duration {
        let initial = initialDelay.seconds
        let exponent = Double(max(0, attempt - 1))
        let seconds = min(initial * pow(multiplier, exponent), maxDelay.seconds)
        return .nanoseconds(Int64(seconds * 1e9))
    }

    func validate() throws(StorageError) {
        guard initialDelay > .zero, maxDelay >= initialDelay, multiplier >= 1 else {
            throw StorageError(.invalidRequest, "retry: initialDelay > 0, maxDelay >= initialDelay, multiplier >= 1")
        }
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    // Integer exponents only (attempt numbers); avoids Foundation for one function.
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 && result < 1e12 {
        result *= base
        remaining -= 1
    }
    return result
}

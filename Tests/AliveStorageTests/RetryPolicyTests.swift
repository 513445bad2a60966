import Testing
@testable import AliveStorage

@Suite struct RetryPolicyTests {
    @Test func backOffDoublesUpToTheCap() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .seconds(1))
        let delays = (1...7).map { policy.cappedDelay(forAttempt: $0) }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                           .seconds(1), .seconds(1), .seconds(1)])
        #expect(policy.cappedDelay(forAttempt: 10_000) == .seconds(1))
    }

    @Test func jitterStaysBetweenHalfAndFullDelay() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), multiplier: 2, maxDelay: .seconds(1))
        var generator = SystemRandomNumberGenerator()
        var seen = Set<Duration>()
        for attempt in 1...6 {
            for _ in 0..<200 {
                let delay = policy.delay(forAttempt: attempt, using: &generator)
                let cap = policy.cappedDelay(forAttempt: attempt)
                #expect(delay >= cap / 2 && delay <= cap)
                seen.insert(delay)
            }
        }
        #expect(seen.count > 100, "jitter must spread retries")
    }
}

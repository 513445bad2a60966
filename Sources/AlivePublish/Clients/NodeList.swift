import Synchronization

/// Fail-over order over a list of API nodes: nodes that have not failed within
/// `cooldown` first, in configured order, then the ones cooling down (so a call is
/// never refused just because every node failed once). After the primary fails the
/// next one takes over; the primary is tried first again once its cool-down passed.
final class NodeList: Sendable {
    let urls: [String]
    private let cooldown: Duration
    private let lastFailure: Mutex<[ContinuousClock.Instant?]>

    init(urls: [String], cooldown: Duration) {
        self.urls = urls
        self.cooldown = cooldown
        lastFailure = Mutex(Array(repeating: nil, count: urls.count))
    }

    func attemptOrder() -> [Int] {
        let now = ContinuousClock.now
        let failures = lastFailure.withLock { $0 }
        let ready = failures.indices.filter { failures[$0].map { now - $0 >= cooldown } ?? true }
        return ready + failures.indices.filter { !ready.contains($0) }
    }

    func failed(_ index: Int) {
        lastFailure.withLock { $0[index] = ContinuousClock.now }
    }

    func succeeded(_ index: Int) {
        lastFailure.withLock { $0[index] = nil }
    }
}

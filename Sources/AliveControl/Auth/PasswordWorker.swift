import Dispatch
import Synchronization

/// Where scrypt runs: one hash at a time on a queue of its own, never on the control
/// thread (a hash takes ~0.1 s on a laptop and more on the board; on the control thread it
/// would stall the status page and every other request for that long), and never more
/// than one 16 MiB hash in memory.
///
/// Bounded: at most `maxWaiting` checks wait their turn; beyond that the request is
/// answered "busy" at once (overflow policy: refuse the newest), so a flood of login
/// attempts costs the box one core's share of a thread and a fixed amount of memory.
public final class PasswordWorker: Sendable {
    public struct Busy: Error, CustomStringConvertible {
        public var description: String { "every password check slot is taken; retry in a second" }
    }

    public let maxWaiting: Int
    private let queue = DispatchQueue(label: "alived.password", qos: .utility)
    private let inFlight = Atomic<Int>(0)

    /// Checks queued or running now.
    public var waiting: Int { inFlight.load(ordering: .relaxed) }

    public init(maxWaiting: Int = 8) {
        self.maxWaiting = maxWaiting
    }

    public func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        guard inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= maxWaiting else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            throw Busy()
        }
        defer { inFlight.wrappingSubtract(1, ordering: .relaxed) }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}

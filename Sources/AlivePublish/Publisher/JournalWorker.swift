import AliveJournal
import Dispatch

/// Runs journal calls on one serial dispatch queue of their own: they block on fsync,
/// which must never stall the Swift concurrency pool or an event loop. Serial, so calls
/// commit in the order they were made.
final class JournalWorker: Sendable {
    let journal: Journal
    private let queue = DispatchQueue(label: "alived.publish.journal")

    init(journal: Journal) {
        self.journal = journal
    }

    func run<T: Sendable>(_ body: @escaping @Sendable (Journal) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [journal] in
                continuation.resume(with: Result { try body(journal) })
            }
        }
    }
}

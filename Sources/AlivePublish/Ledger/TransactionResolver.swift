import AliveJournal
import Logging

/// Drives one signed transaction until it is on-chain: broadcast (fail-over inside the
/// ledger client), ask where it stands every poll interval, send the SAME bytes again
/// when no node knows it (a "duplicate" answer counts as accepted), and only when the
/// ledger says it can never land any more, have it re-signed (the journal keeps the
/// seq) and carry on with the new one. Failures back off up to `maximumRetryDelay`.
/// Returns the block it landed in (when the ledger says), throws on cancellation or
/// when the deadline passes (`deadline` is asked again at every step: a publisher sets
/// one only when it is told to stop, and that must cut short a wait already running).
struct TransactionResolver: Sendable {
    struct Timing: Sendable {
        var pollInterval: Duration
        var rebroadcastInterval: Duration
        var maximumRetryDelay: Duration
    }

    /// What the caller records at each step (the journal, for pushes).
    struct Hooks: Sendable {
        var accepted: @Sendable (JournalSignedTransaction) async throws -> Void = { _ in }
        var included: @Sendable (JournalSignedTransaction, Int64?) async throws -> Void = { _, _ in }
        /// Returns the replacement, signed for the same purpose.
        var expired: @Sendable (JournalSignedTransaction, Int64) async throws -> JournalSignedTransaction
        /// A problem worth showing (refusal, unreachable nodes); nil clears it.
        var problem: @Sendable (String?) -> Void = { _ in }
    }

    let ledger: any Ledger
    let timing: Timing
    let logger: Logger

    func resolve(
        _ start: JournalSignedTransaction, purpose: LedgerPurpose,
        deadline: @Sendable () -> ContinuousClock.Instant?, hooks: Hooks
    ) async throws -> Int64? {
        var transaction = start
        var lastSent: ContinuousClock.Instant?
        var rebroadcast = true
        var failures = 0
        while true {
            try Task.checkCancellation()
            if let deadline = deadline(), ContinuousClock.now >= deadline {
                throw PublishError(.timedOut, "\(describe(purpose)) not on-chain before the deadline (transaction \(transaction.transactionID))")
            }
            if lastSent == nil || (rebroadcast && ContinuousClock.now - lastSent! >= timing.rebroadcastInterval) {
                do {
                    switch try await ledger.broadcast(transaction) {
                    case .accepted, .duplicate:
                        try await hooks.accepted(transaction)
                        hooks.problem(nil)
                    case .rejected(let reason):
                        // Not final: the status decides (it may be on-chain already, or expired).
                        logger.warning("node refused the transaction", metadata: [
                            "ledger.purpose": "\(describe(purpose))", "ledger.tx": "\(transaction.transactionID)",
                            "ledger.reason": "\(reason)",
                        ])
                        hooks.problem("node refused \(describe(purpose)): \(reason)")
                    }
                } catch let error as PublishError {
                    logger.warning("broadcast failed", metadata: [
                        "ledger.purpose": "\(describe(purpose))", "ledger.error": "\(error)",
                    ])
                    hooks.problem("\(describe(purpose)): \(error)")
                }
                lastSent = ContinuousClock.now
            }
            do {
                switch try await ledger.status(of: transaction, purpose: purpose) {
                case .included(let block):
                    try await hooks.included(transaction, block)
                    hooks.problem(nil)
                    return block
                case .expired(let chainTime):
                    logger.notice("transaction expired unseen, re-signing", metadata: [
                        "ledger.purpose": "\(describe(purpose))", "ledger.tx": "\(transaction.transactionID)",
                    ])
                    transaction = try await hooks.expired(transaction, chainTime)
                    lastSent = nil
                    failures = 0
                    continue
                case .pending(let again):
                    rebroadcast = again
                    failures = 0
                    try await sleep(timing.pollInterval, deadline: deadline)
                }
            } catch let error as PublishError where error.kind != .timedOut && error.kind != .unsupported {
                failures += 1
                let delay = backoff(failures)
                logger.warning("transaction status unknown, will ask again", metadata: [
                    "ledger.purpose": "\(describe(purpose))", "ledger.error": "\(error)", "ledger.retry_in": "\(delay)",
                ])
                hooks.problem("\(describe(purpose)): \(error)")
                try await sleep(delay, deadline: deadline)
            }
        }
    }

    func backoff(_ failures: Int) -> Duration {
        var delay = timing.pollInterval
        for _ in 0..<min(failures, 20) where delay < timing.maximumRetryDelay { delay = delay * 2 }
        return min(delay, timing.maximumRetryDelay)
    }

    /// Sleeps `duration` in slices, so a deadline set meanwhile cuts it short.
    func sleep(_ duration: Duration, deadline: @Sendable () -> ContinuousClock.Instant?) async throws {
        let end = ContinuousClock.now + duration
        while true {
            var until = min(end, ContinuousClock.now + .milliseconds(250))
            if let deadline = deadline() { until = min(until, deadline) }
            guard until > ContinuousClock.now else { return }
            try await Task.sleep(until: until, clock: .continuous)
            if ContinuousClock.now >= end { return }
        }
    }

    func describe(_ purpose: LedgerPurpose) -> String {
        switch purpose {
        case .push(let seq, _): "push seq \(seq)"
        case .configure: "stream configuration"
        case .end: "end of stream"
        }
    }
}

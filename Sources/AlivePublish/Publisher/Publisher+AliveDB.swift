import AliveJournal
import Logging

extension Publisher {
    /// Sends queued segments to AliveDB one by one, in order. A segment is tried up to
    /// `aliveDB.attempts` times (a 400 at once ends its tries: AliveDB will never take
    /// it); after a stop, what is still queued past the stop deadline is dropped.
    func runAliveDBSender(_ aliveDB: AliveDBClient) async {
        defer { aliveDBNotes.continuation.finish() }
        let attempts = configuration.aliveDB?.attempts ?? 1
        do {
            _ = try await aliveDB.prepare()
        } catch {
            logger.warning("alivedb not ready yet, will sign in on the first push", metadata: ["alivedb.error": "\(error)"])
        }
        for await item in aliveDBQueue.stream {
            if let deadline = stopDeadline, ContinuousClock.now >= deadline {
                update { $0.aliveDBDropped += 1 }
                continue
            }
            var attempt = 0
            while true {
                attempt += 1
                do {
                    try await aliveDB.push(src: item.hash, duration: item.duration)
                    update { $0.aliveDBPushed += 1 }
                    aliveDBNotes.continuation.yield(item.number)
                    break
                } catch is CancellationError {
                    return
                } catch {
                    let final = attempt >= attempts || (error as? PublishError)?.kind == .rejected
                    logger.warning("alivedb push failed", metadata: [
                        "segment.number": "\(item.number)", "alivedb.attempt": "\(attempt)", "alivedb.error": "\(error)",
                        "alivedb.given_up": "\(final)",
                    ])
                    if final {
                        update { $0.aliveDBFailed += 1 }
                        break
                    }
                    do {
                        try await Task.sleep(for: min(.milliseconds(250) * (1 << min(attempt, 6)), configuration.maximumRetryDelay))
                    } catch {
                        return
                    }
                }
            }
        }
    }

    /// Notes AliveDB's acknowledgements in the journal, off the push path.
    func runAliveDBNotes(_ journal: JournalWorker) async {
        let stream = stream
        for await number in aliveDBNotes.stream {
            do {
                try await journal.run { try $0.markPushedToAliveDB(stream, sequence: number) }
            } catch let error as JournalError where error.kind == .notFound {
                // The journal could not record that segment (counted at intake).
            } catch {
                logger.warning("journal could not note an AliveDB push", metadata: ["publish.error": "\(error)"])
            }
        }
    }
}

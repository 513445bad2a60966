import AliveJournal
import AliveLedger
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
        let (alreadyHeld, previousRunEnd) = await checkWhatAliveDBHolds(aliveDB)
        for await item in aliveDBQueue.stream {
            if let deadline = stopDeadline, ContinuousClock.now >= deadline {
                update { $0.aliveDBDropped += 1 }
                continue
            }
            if item.number < previousRunEnd && alreadyHeld.contains(item.hash) {
                update { $0.aliveDBAlreadyHeld += 1 }
                aliveDBNotes.continuation.yield(item.number)
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

    /// After a restart (segments already journaled): asks AliveDB what it holds for the
    /// stream, then opens intake. Returns the hashes it holds, which a previous run's
    /// unacknowledged segments (journal numbers below the second value) need not be pushed
    /// again with. AliveDB items after the newest one the journal knows, which the journal
    /// never recorded (a crash between the push and the record), are recorded now, before
    /// any segment of this run, so the ledger carries them in their place. On any trouble,
    /// or once intake has gone on without the answer, nothing is recorded and every
    /// unacknowledged segment is pushed again (at least once).
    func checkWhatAliveDBHolds(_ aliveDB: AliveDBClient) async -> (Set<String>, Int64) {
        let (needed, previousRunEnd) = aliveDBCheck
        guard needed, let journal else { return ([], 0) }
        defer { endAliveDBCheck() }
        let stream = stream
        let items: [AliveDBClient.Item]
        let known: [JournalSegment]
        do {
            items = try await aliveDB.recentItems()
            // AliveDB keeps ~10 minutes: far fewer segments than this.
            known = try await journal.run { try $0.newestSegments(stream, limit: 4096) }
        } catch {
            logger.warning("alivedb: could not check what it holds after the restart; unacknowledged segments go again",
                           metadata: ["alivedb.error": "\(error)"])
            return ([], 0)
        }
        let knownHashes = Set(known.map(\.cid))
        let held = Set(items.map(\.src))
        var missing: [AliveDBClient.Item] = []
        if let lastKnown = items.lastIndex(where: { knownHashes.contains($0.src) }) {
            missing = items[(lastKnown + 1)...].filter { !knownHashes.contains($0.src) }
            missing = missing.filter { item in
                guard (try? AliveChunk.Entry(src: item.src, duration: item.duration).validate()) != nil else {
                    logger.error("alivedb holds an item the protocol cannot carry; not recorded", metadata: ["alivedb.src": "\(item.src)"])
                    return false
                }
                return true
            }
        }
        if !missing.isEmpty {
            guard let first = reserveNumbersBeforeIntake(missing.map(\.src)) else {
                logger.error("alivedb holds segments the journal never recorded, but new segments came first: not on the ledger",
                             metadata: ["alivedb.segments": "\(missing.count)"])
                return (held, previousRunEnd)
            }
            do {
                for (offset, item) in missing.enumerated() {
                    let number = first + Int64(offset)
                    try await journal.run {
                        try $0.recordSegment(stream, sequence: number, cid: item.src, duration: item.duration)
                        try $0.markPushedToAliveDB(stream, sequence: number)
                    }
                }
                update { $0.aliveDBRecovered += missing.count }
                wake.signal()
                logger.notice("alivedb held segments the journal had not recorded (pushed just before a crash): recorded now", metadata: [
                    "alivedb.segments": "\(missing.count)", "segment.number": "\(first)",
                ])
            } catch {
                update { $0.journalFailures += 1 }
                logger.error("journal could not record the segments AliveDB held", metadata: ["publish.error": "\(error)"])
            }
        }
        return (held, previousRunEnd)
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

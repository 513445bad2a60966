import AliveJournal
import AliveLedger
import AliveStorage
import Logging

extension Publisher {
    func runLedger(_ ledger: any Ledger, resolver: TransactionResolver, journal: JournalWorker) async throws {
        guard try await startLedger(ledger, resolver: resolver, journal: journal) else {
            transition { $0.flushing() }
            return
        }
        transition { $0.started() }
        var lastBatch = ContinuousClock.now
        while !isStopRequested {
            // The interval may change while running (`setBatchInterval` wakes the wait).
            var eachAlone = batchInterval == .zero
            // A wait ends at once in a cancelled task: cancellation is checked each turn.
            if eachAlone {
                await wake.wait(timeout: nil)
                try Task.checkCancellation()
            } else {
                while !isStopRequested {
                    let interval = batchInterval
                    let next = lastBatch + interval
                    guard interval > .zero, ContinuousClock.now < next else { break }
                    await wake.wait(timeout: next - ContinuousClock.now)
                    try Task.checkCancellation()
                }
                eachAlone = batchInterval == .zero
            }
            if isStopRequested { break }
            lastBatch = ContinuousClock.now
            do {
                try await publishAwaiting(ledger, resolver: resolver, journal: journal, untilEmpty: eachAlone)
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as PublishError where error.kind == .timedOut {
                break  // a stop came while a push was on its way: the flush below goes on
            } catch {
                logger.error("batch not published, will try again", metadata: ["publish.error": "\(error)"])
                update { $0.lastProblem = "\(error)" }
            }
        }

        transition { $0.flushing() }
        do {
            try await publishAwaiting(ledger, resolver: resolver, journal: journal, untilEmpty: true)
            if endsStreamOnStop {
                if ledger.network == "avalon" {
                    logger.notice("avalon has no end-of-stream operation; the playlist stays as it is")
                } else {
                    let result = try await components.control(.end, deadline: { [self] in stopDeadline }, problem: problemHook)
                    try await journal.run { [stream] in
                        try $0.markEnded(stream, at: WallClock.nowMilliseconds(), transactionID: result.transactionID)
                    }
                    update {
                        $0.streamEnded = true
                        $0.endTransactionID = result.transactionID
                        $0.endBlock = result.block
                    }
                    logger.notice("stream ended \(Self.landed(on: ledger))", metadata: [
                        "ledger.tx": "\(result.transactionID)", "ledger.block": "\(result.block.map(String.init) ?? "?")",
                    ])
                }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let left = (try? await journal.run { [stream] in try $0.segmentsAwaitingLedger(stream).count }) ?? -1
            logger.error("stop before everything was on-chain: the rest goes out at the next start", metadata: [
                "publish.error": "\(error)", "publish.segments_left": "\(left)",
            ])
            update { $0.lastProblem = "stopped with \(left) segments not on-chain: \(error)" }
        }
    }

    /// Where a push lands, for the logs: a chain, or the box's own record (network `local`).
    static func landed(on ledger: any Ledger) -> String {
        ledger.network == "local" ? "in the local record (not broadcast)" : "on-chain"
    }

    var problemHook: @Sendable (String?) -> Void {
        { [self] problem in update { $0.lastProblem = problem } }
    }

    /// Key check, seq cross-check, configuration, recovery. False when a stop came
    /// before the nodes could be reached.
    private func startLedger(_ ledger: any Ledger, resolver: TransactionResolver, journal: JournalWorker) async throws -> Bool {
        guard let report = try await retrying("checking the key", { try await ledger.checkKey() }) else { return false }
        if let problem = report.problem {
            logger.critical("wrong key: nothing will be published", metadata: [
                "ledger.network": "\(report.network)", "ledger.account": "\(report.account)",
                "ledger.derived_key": "\(report.derivedPublicKey)", "ledger.account_keys": "\(report.accountPublicKeys)",
            ])
            throw PublishError(.keyMismatch, problem)
        }
        logger.info("ledger key matches the account", metadata: [
            "ledger.network": "\(report.network)", "ledger.account": "\(report.account)", "ledger.key": "\(report.derivedPublicKey)",
        ])

        let stream = stream
        let journalNext = try await journal.run { try $0.nextSeq(stream) }
        do {
            if let onChain = try await ledger.highestSeqOnChain(), onChain + 1 > journalNext {
                let raised = try await journal.run { try $0.raiseNextSeq(stream, to: onChain + 1) }
                logger.warning("the chain has seqs this journal never recorded: next seq raised", metadata: [
                    "ledger.journal_next_seq": "\(journalNext)", "ledger.chain_seq": "\(onChain)", "ledger.next_seq": "\(raised)",
                ])
            }
        } catch let error as JournalError {
            throw PublishError(.journal, "raising the next seq: \(error)")
        } catch {
            logger.warning("seq not cross-checked with the chain: trusting the journal", metadata: ["publish.error": "\(error)"])
        }
        let next = try await journal.run { try $0.nextSeq(stream) }
        update { $0.nextSeq = next }

        // op 2 once per link, again only when what it carries (pub, gw, storage) changed:
        // the journal keeps the payload that went on-chain. HAlive takes no push for a
        // link that was never configured, so that first one is waited for.
        let ledgerNeedsIt = try await retrying("looking for the stream", { try await ledger.mustConfigureBeforePushing() }) ?? false
        let onChain = try await journal.run { try $0.streamRecord(stream)?.configured }
        if ledgerNeedsIt || configuration.configureOnStart {
            let options = await components.streamOptions()
            let payload = try AliveOperation.configure(link: configuration.link, options: options).jsonText()
            let mustConfigure = ledgerNeedsIt || (onChain == nil && configuration.configureOnStart)
            if mustConfigure || onChain != payload {
                // A stream that must exist first is waited for; a changed configuration
                // gets a bounded time and publishing goes on without it.
                let bound = mustConfigure ? nil : ContinuousClock.now + max(.seconds(60), configuration.hive.transactionExpiration * 2)
                do {
                    let result = try await components.control(.configure(options), deadline: { [self] in
                        [bound, stopDeadline].compactMap { $0 }.min()
                    }, problem: problemHook)
                    try await journal.run { try $0.markConfigured(stream, payload: payload) }
                    logger.notice("stream configured \(Self.landed(on: ledger))", metadata: [
                        "ledger.link": "\(configuration.link)", "ledger.tx": "\(result.transactionID)",
                    ])
                } catch let error as PublishError where error.kind == .timedOut && !mustConfigure {
                    logger.warning("stream configuration not confirmed; publishing goes on", metadata: ["publish.error": "\(error)"])
                } catch let error as PublishError where error.kind == .timedOut {
                    return false
                }
            }
        }

        for push in try await journal.run({ try $0.unconfirmedPushes(stream) }) {
            logger.notice("recovering a push left unconfirmed", metadata: [
                "ledger.seq": "\(push.seq)", "ledger.state": "\(push.state.rawValue)", "ledger.tx": "\(push.transaction.transactionID)",
            ])
            do {
                try await resolve(push, ledger: ledger, resolver: resolver, journal: journal)
            } catch let error as PublishError where error.kind == .timedOut {
                return false
            }
        }
        return true
    }

    /// Publishes the segments not yet on-chain: one pass over what is waiting now, or
    /// (`untilEmpty`) until nothing is left.
    func publishAwaiting(_ ledger: any Ledger, resolver: TransactionResolver, journal: JournalWorker, untilEmpty: Bool) async throws {
        let stream = stream
        repeat {
            // Never a new seq while an earlier one is unresolved (a failure may have
            // interrupted its resolution).
            for push in try await journal.run({ try $0.unconfirmedPushes(stream) }) {
                try await resolve(push, ledger: ledger, resolver: resolver, journal: journal)
            }
            let awaiting = try await journal.run { try $0.segmentsAwaitingLedger(stream) }
            if awaiting.isEmpty { return }
            let seqsLeft = maximumSeq + 1 - (try await journal.run { try $0.nextSeq(stream) })
            // Near the end of the stream's seqs, segments share chunks even at interval 0.
            for planned in try BatchPlanner.plan(awaiting, eachAlone: batchInterval == .zero && awaiting.count <= seqsLeft) {
                let push = try await record(planned, ledger: ledger, journal: journal)
                try await resolve(push, ledger: ledger, resolver: resolver, journal: journal)
            }
        } while untilEmpty
    }

    /// Stores the chunk (if any), reads the chain state, and records the push with its
    /// seq and signed transaction in ONE journal transaction, before any broadcast.
    private func record(_ planned: PlannedPush, ledger: any Ledger, journal: JournalWorker) async throws -> JournalPush {
        let content: JournalPushContent
        let aliveContent: AlivePushContent
        if let chunk = planned.chunk {
            guard let chunkStorage else { throw PublishError(.configuration, "a chunk needs chunk storage") }
            let name = "chunk-\(planned.segments.first!.sequence)-\(planned.segments.last!.sequence).csv"
            guard let cid = try await retrying("storing a chunk", {
                do { return try await chunkStorage.storeChunk(chunk, name: name) } catch let error as StorageError {
                    throw PublishError(.storage, "\(name): \(error)")
                }
            }) else { throw PublishError(.timedOut, "stopped before the chunk was stored") }
            content = .chunk(cid: cid, byteCount: chunk.bytes.count, segments: planned.segments.map(\.sequence))
            aliveContent = .chunk(src: cid)
        } else {
            let segment = planned.segments[0]
            content = .segment(sequence: segment.sequence)
            aliveContent = .segment(src: segment.cid, duration: segment.duration, discontinuity: segment.discontinuity)
        }
        guard let signer = try await retrying("reading the chain state", { try await ledger.pushSigner(content: aliveContent) }) else {
            throw PublishError(.timedOut, "stopped before the push could be signed")
        }
        let stream = stream
        let maximumSeq = maximumSeq
        let signing = signer
        let limited: @Sendable (Int64) throws -> JournalSignedTransaction = { seq in
            guard seq <= maximumSeq else {
                throw PublishError(.streamFull, "seq \(seq) is past the \(maximumSeq + 1) pushes consumers take for one stream")
            }
            return try signing(seq)
        }
        let push = try await journal.run { try $0.recordPush(stream, content: content, sign: limited) }
        update { $0.nextSeq = push.seq + 1 }
        logger.info("push recorded", metadata: [
            "ledger.seq": "\(push.seq)", "ledger.segments": "\(planned.segments.count)", "ledger.src": "\(push.src)",
            "ledger.tx": "\(push.transaction.transactionID)",
        ])
        return push
    }

    /// Drives one journaled push until it is on-chain, recording each step.
    func resolve(_ recorded: JournalPush, ledger: any Ledger, resolver: TransactionResolver, journal: JournalWorker) async throws {
        var push = recorded
        let stream = stream
        let seq = push.seq
        if push.state == .confirmed { return }
        if push.state == .expired {
            guard let resigner = try await retrying("re-signing", { try await ledger.resigner() }) else {
                throw PublishError(.timedOut, "stopped before seq \(seq) could be re-signed")
            }
            push = try await journal.run { try $0.resign(stream, seq: seq) { try resigner($0) } }
            update { $0.resigned += 1 }
        }
        let hooks = TransactionResolver.Hooks(
            accepted: { transaction in
                try await journal.run { try $0.markBroadcast(stream, seq: seq, transactionID: transaction.transactionID) }
            },
            included: { [self] transaction, block in
                try await journal.run { try $0.markConfirmed(stream, seq: seq, transactionID: transaction.transactionID, blockNumber: block) }
                update {
                    $0.pushesConfirmed += 1
                    if ledger.network == "local" {
                        $0.recentLocalPushes.append(transaction.body)
                        $0.recentLocalPushes.removeFirst(max(0, $0.recentLocalPushes.count - PublisherStatus.recentLocalPushLimit))
                    }
                    if seq >= ($0.lastConfirmedSeq ?? seq) {
                        $0.lastConfirmedSeq = seq
                        $0.lastTransactionID = transaction.transactionID
                    }
                }
                logger.info("push \(Self.landed(on: ledger))", metadata: [
                    "ledger.seq": "\(seq)", "ledger.tx": "\(transaction.transactionID)", "ledger.block": "\(block.map(String.init) ?? "?")",
                ])
            },
            expired: { [self] transaction, chainTime in
                try await journal.run {
                    try $0.markExpired(stream, seq: seq, transactionID: transaction.transactionID, headBlockTime: chainTime)
                }
                let resigner = try await ledger.resigner()
                let resigned = try await journal.run { try $0.resign(stream, seq: seq) { try resigner($0) } }
                update { $0.resigned += 1 }
                return resigned.transaction
            },
            problem: problemHook)
        _ = try await resolver.resolve(
            push.transaction, purpose: .push(seq: seq, content: push.aliveContent), deadline: { [self] in stopDeadline }, hooks: hooks)
    }

    /// Retries `body` with back-off while nodes or storage fail, until it works, the
    /// stop deadline passes (nil) or the task is cancelled. Errors that retrying cannot
    /// cure (a refused key, bad data) are thrown at once.
    func retrying<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T? {
        var failures = 0
        while true {
            try Task.checkCancellation()
            if let deadline = stopDeadline, ContinuousClock.now >= deadline { return nil }
            do {
                return try await body()
            } catch let error as PublishError where [.unreachable, .badAnswer, .storage].contains(error.kind) {
                failures += 1
                var delay = configuration.confirmationPollInterval
                for _ in 0..<min(failures, 20) where delay < configuration.maximumRetryDelay { delay = delay * 2 }
                delay = min(delay, configuration.maximumRetryDelay)
                logger.warning("\(what) failed, will retry", metadata: ["publish.error": "\(error)", "publish.retry_in": "\(delay)"])
                update { $0.lastProblem = "\(what): \(error)" }
                let end = ContinuousClock.now + delay
                while ContinuousClock.now < end {
                    if let deadline = stopDeadline, ContinuousClock.now >= deadline { return nil }
                    try await Task.sleep(for: min(.milliseconds(250), end - ContinuousClock.now))
                }
            }
        }
    }
}

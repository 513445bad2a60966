import AliveJournal
import AliveLedger
import AliveTestSupport
import Foundation
import Logging
import Testing
@testable import AlivePublish

/// Where a Hive transaction stands, as the publisher reads it from the node double.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HiveLedgerTests {
    private func ledger(_ fixture: PublishFixture, link: String) throws -> HiveLedger {
        let client = HiveNodeClient(nodes: fixture.doubles.hiveURLs, http: fixture.http, requestTimeout: .seconds(2),
                                    cooldown: .seconds(1), logger: Logger(label: "test.hive"))
        let chain = try HiveChain(chainIDHex: TestKeys.chainID, publicKeyPrefix: TestKeys.prefix)
        return HiveLedger(
            client: client, signer: try HiveSigner(key: PrivateKey(hiveWIF: TestKeys.postingWIF), chain: chain, context: fixture.context),
            streamer: "alice", link: link, customJSONID: "alive-test", expiresAfter: 30, indexer: nil)
    }

    private func waitForStatus(_ ledger: HiveLedger, _ transaction: JournalSignedTransaction, purpose: LedgerPurpose,
                               until condition: (LedgerStatus) -> Bool) async throws -> LedgerStatus {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let status = try await ledger.status(of: transaction, purpose: purpose)
            if condition(status) { return status }
            guard ContinuousClock.now < deadline else { throw TestFailure("status stayed \(status)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func landedIsIncludedOnceIrreversibleAndStaysSoWhenTheNodeForgetsIt() async throws {
        // The node tracks statuses for 60 chain seconds (2 s here), then says too_old:
        // account history (get_transaction) answers then.
        let fixture = try await PublishFixture.start(extraArguments: ["--track-seconds", "60"])
        defer { fixture.close() }
        let ledger = try ledger(fixture, link: "status")
        let transaction = try await ledger.controlTransaction(.end)
        #expect(try await ledger.broadcast(transaction) == .accepted)
        #expect(try await ledger.broadcast(transaction) == .duplicate, "the same bytes again: the node's duplicate check")
        let included = try await waitForStatus(ledger, transaction, purpose: .end) { $0 != .pending(rebroadcast: false) }
        guard case .included(let block?) = included else { throw TestFailure("not included: \(included)") }

        let state = try await fixture.doubles.state()
        #expect(state.hive.acceptedOps.first { $0.txid == transaction.transactionID }?.block == Int(block))
        // Past the tracking window: still included, through account history.
        try await Task.sleep(for: .seconds(3))
        #expect(try await ledger.client.transactionStatus(id: transaction.transactionID, expiration: UInt32(transaction.expiration)) == .tooOld)
        #expect(try await ledger.status(of: transaction, purpose: .end) == .included(block: block))
    }

    @Test func neverSentIsExpiredOnlyPastTheLastIrreversibleBlock() async throws {
        let fixture = try await PublishFixture.start(extraArguments: ["--track-seconds", "60"])
        defer { fixture.close() }
        let ledger = try ledger(fixture, link: "expire")
        let transaction = try await ledger.controlTransaction(.end)  // signed, never broadcast
        #expect(try await ledger.status(of: transaction, purpose: .end) == .pending(rebroadcast: true))
        let expired = try await waitForStatus(ledger, transaction, purpose: .end) { $0 != .pending(rebroadcast: true) && $0 != .pending(rebroadcast: false) }
        guard case .expired(let chainTime) = expired else { throw TestFailure("not expired: \(expired)") }
        #expect(chainTime > transaction.expiration, "chain time is past the expiration")
        // Forgotten by the status API too: account history says it never landed.
        try await Task.sleep(for: .seconds(3))
        guard case .expired = try await ledger.status(of: transaction, purpose: .end) else {
            throw TestFailure("an unseen transaction past tracking must be expired")
        }
        // Sent now it is refused: the node enforces the expiration.
        guard case .rejected(let reason) = try await ledger.broadcast(transaction) else { throw TestFailure("accepted") }
        #expect(reason.contains("now < trx.expiration"))
    }

    @Test func keyCheckNamesTheDerivedAndTheAccountKeys() async throws {
        let fixture = try await PublishFixture.start()
        defer { fixture.close() }
        let good = try await ledger(fixture, link: "keys").checkKey()
        #expect(good.isValid && good.derivedPublicKey == TestKeys.postingPublic && good.accountPublicKeys == [TestKeys.postingPublic])

        let chain = try HiveChain(chainIDHex: TestKeys.chainID, publicKeyPrefix: TestKeys.prefix)
        let other = HiveLedger(
            client: HiveNodeClient(nodes: fixture.doubles.hiveURLs, http: fixture.http, requestTimeout: .seconds(2), cooldown: .zero,
                                   logger: Logger(label: "test")),
            signer: try HiveSigner(key: PrivateKey(hiveWIF: TestKeys.postingWIF), chain: chain, context: fixture.context),
            streamer: "bob", link: "keys", customJSONID: "alive-test", expiresAfter: 30, indexer: nil)
        let unknown = try await other.checkKey()
        #expect(unknown.problem == "the Hive node knows no account bob")
    }
}

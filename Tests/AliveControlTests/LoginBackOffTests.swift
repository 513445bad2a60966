import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

/// Wrong passwords cost the address that sends them, never another one.
struct LoginBackOffTests {
    private func authority(firstBackOff: Duration = .seconds(30), worker: PasswordWorker = PasswordWorker()) throws -> SessionAuthority {
        let directory = TestScratch.directory("login")
        let secrets = try SecretsStore(directory: directory.path)
        // Cheap scrypt parameters: the rules are under test here, not the hash.
        let hash = try PasswordHash.make("correct horse", cost: 1024, blockSize: 1)
        try secrets.update { $0.pagePasswordHash = hash }
        var limits = SessionAuthority.Limits()
        limits.firstBackOff = firstBackOff
        return SessionAuthority(secrets: secrets, limits: limits, worker: worker)
    }

    private func outcome(_ authority: SessionAuthority, _ password: String, from address: String) async -> String {
        do {
            _ = try await authority.logIn(password: password, from: address)
            return "ok"
        } catch SessionAuthority.LoginFailure.rateLimited(let wait) {
            return "wait \(wait)"
        } catch SessionAuthority.LoginFailure.wrongPassword {
            return "wrong"
        } catch {
            return "\(error)"
        }
    }

    private struct NeverHappened: Error {}

    /// Polls `condition` for at most 10 s.
    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw NeverHappened() }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test func failuresFromManyAddressesDoNotLockOutAnother() async throws {
        let authority = try authority()
        for peer in 2...7 {
            for _ in 0..<5 { #expect(await outcome(authority, "guess", from: "10.0.0.\(peer)") == "wrong") }
            #expect(await outcome(authority, "correct horse", from: "10.0.0.\(peer)") == "wait 30", "the address itself waits")
        }
        #expect(authority.recentFailureCount == 30)
        #expect(await outcome(authority, "correct horse", from: "10.0.0.8") == "ok", "another address logs in at once")
        #expect(await outcome(authority, "correct horse", from: "127.0.0.1") == "ok")
    }

    @Test func theBackOffDoublesEachTimeAndASuccessClearsIt() async throws {
        let authority = try authority(firstBackOff: .seconds(1))
        let address = "10.0.0.9"
        for _ in 0..<5 { _ = await outcome(authority, "guess", from: address) }
        #expect(await outcome(authority, "guess", from: address) == "wait 1")
        try await Task.sleep(for: .milliseconds(1100))
        for _ in 0..<4 { #expect(await outcome(authority, "guess", from: address) == "wrong") }
        #expect(await outcome(authority, "guess", from: address) == "wrong")
        #expect(await outcome(authority, "guess", from: address) == "wait 2", "doubled")
        try await Task.sleep(for: .milliseconds(2100))
        #expect(await outcome(authority, "correct horse", from: address) == "ok")
        for _ in 0..<5 { _ = await outcome(authority, "guess", from: address) }
        #expect(await outcome(authority, "guess", from: address) == "wait 1", "a success starts the address over")
    }

    @Test func oneAddressHasOneCheckUnderWayAtATime() async throws {
        let worker = PasswordWorker()
        let authority = try authority(worker: worker)
        let gate = DispatchSemaphore(value: 0)
        defer { gate.signal() }   // never leave the worker's queue blocked, whatever failed
        async let blocker: Void = worker.run { gate.wait() }
        try await Task.sleep(for: .milliseconds(100))
        async let first = outcome(authority, "guess", from: "10.0.0.5")
        async let second = outcome(authority, "guess", from: "10.0.0.5")
        async let other = outcome(authority, "correct horse", from: "10.0.0.6")
        // Bounded: the blocker, one guess from 10.0.0.5 and the other address queue up.
        try await waitUntil { worker.waiting >= 3 }
        try await Task.sleep(for: .milliseconds(100))
        gate.signal()
        _ = try await blocker
        #expect([await first, await second].sorted() == ["wait 1", "wrong"], "the second guess is refused without a check")
        #expect(await other == "ok")
    }

    @Test func passwordChecksBeyondTheQueueAreRefusedAtOnce() async throws {
        let worker = PasswordWorker(maxWaiting: 2)
        let gate = DispatchSemaphore(value: 0)
        defer { gate.signal() }
        async let first: Int = worker.run { gate.wait(); return 1 }
        async let second: Int = worker.run { 2 }
        let queued: Bool
        do {
            try await waitUntil { worker.waiting == 2 }
            queued = true
        } catch {
            queued = false
        }
        // Only with both queued can a third be refused (else it would wait behind the gate).
        #expect(queued, "the two checks never queued")
        if queued { await #expect(throws: PasswordWorker.Busy.self) { try await worker.run { 3 } } }
        gate.signal()
        #expect(try await first + second == 3)
        #expect(try await worker.run { 4 } == 4, "free again once the queue drained")
    }
}

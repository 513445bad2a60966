@testable import AliveBox
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct SystemdSupervisorTests {
    @Test func readyIsSentOnceWhenEveryListenerListens() async throws {
        let listener = try DatagramListener(abstract: true)
        let supervisor = SystemdSupervisor(
            notifier: try SystemdNotifier(address: listener.address), logger: Logger(label: "test"), probe: { "idle" })
        supervisor.listening(.rtmp)
        #expect(await listener.next(timeout: 0.3) == nil)
        #expect(!supervisor.isReady)
        supervisor.listening(.http)
        #expect(await listener.next(timeout: 2) == "READY=1\nSTATUS=listening")
        supervisor.listening(.http)
        supervisor.listening(.rtmp)
        #expect(await listener.next(timeout: 0.3) == nil)
    }

    @Test func watchdogIsFedOnlyWhileTheProbeComesBack() async throws {
        let listener = try DatagramListener(abstract: true)
        let notifier = try SystemdNotifier(address: listener.address, watchdogTimeout: .milliseconds(200))
        let gate = ProbeGate()
        let supervisor = SystemdSupervisor(notifier: notifier, logger: Logger(label: "test")) {
            await gate.pass()
        }
        #expect(supervisor.period == .milliseconds(100))
        supervisor.listening(.rtmp)
        supervisor.listening(.http)
        #expect(await listener.next(timeout: 2) == "READY=1\nSTATUS=listening")

        let group = ServiceGroup(services: [supervisor], logger: Logger(label: "test"))
        let running = Task { try await group.run() }

        // Fed about every 100 ms; the status goes out once, then only when it changes.
        let fed = await listener.all(for: 1)
        #expect(fed.first == "WATCHDOG=1\nSTATUS=idle")
        #expect(fed.dropFirst().allSatisfy { $0 == "WATCHDOG=1" })
        #expect(fed.count >= 4, "pings in 1 s: \(fed.count)")

        // A stalled box (the probe does not come back) stops feeding the watchdog.
        gate.close()
        _ = await listener.all(for: 0.3)   // a ping already under way
        let whileStalled = await listener.all(for: 1)
        #expect(whileStalled.isEmpty, "pings while stalled: \(whileStalled)")

        gate.open(status: "publishing")
        #expect(await listener.next(timeout: 2) == "WATCHDOG=1\nSTATUS=publishing")

        await group.triggerGracefulShutdown()
        let last = await listener.all(for: 0.5)
        #expect(last.last == "STOPPING=1\nSTATUS=stopping", "\(last)")
        try await running.value
    }

    @Test func withoutSystemdItOnlyWaitsForShutdown() async throws {
        let probes = Mutex(0)
        let supervisor = SystemdSupervisor(notifier: nil, logger: Logger(label: "test")) {
            probes.withLock { $0 += 1 }
            return "idle"
        }
        supervisor.listening(.rtmp)
        supervisor.listening(.http)
        let group = ServiceGroup(services: [supervisor], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(probes.withLock { $0 } == 0)
    }
}

/// A probe the test can hold: while closed, `pass()` does not return (a stalled box).
final class ProbeGate: Sendable {
    private struct State {
        var open = true
        var status = "idle"
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func pass() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
        return state.withLock { $0.status }
    }

    func close() { state.withLock { $0.open = false } }

    func open(status: String) {
        let waiting = state.withLock { state in
            state.open = true
            state.status = status
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

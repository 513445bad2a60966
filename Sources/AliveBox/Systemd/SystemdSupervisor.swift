import Logging
import ServiceLifecycle
import Synchronization

/// Keeps systemd informed (`Type=notify`, `WatchdogSec=`):
/// - `READY=1` once every listener has reported that it accepts connections;
/// - `STATUS=<one line>` whenever the box's state line changes;
/// - `WATCHDOG=1` at half the watchdog timeout, sent only after `probe` came back — the
///   probe makes a round trip through the parts that would hang if the box hung (segmenter
///   queue, ring lock, event loops), so a stalled box stops feeding the watchdog and systemd
///   restarts it;
/// - `STOPPING=1` at graceful shutdown.
///
/// Without a notifier (not started by systemd) it only waits for shutdown.
final class SystemdSupervisor: Service, Sendable {
    enum Listener: String, Sendable, CaseIterable {
        case rtmp
        case http
    }

    private struct State {
        var listening: Set<Listener> = []
        var ready = false
    }

    private let notifier: SystemdNotifier?
    private let expected: Set<Listener>
    /// How often the status line is refreshed when there is no watchdog to feed.
    private let statusInterval: Duration
    private let probe: @Sendable () async -> String
    private let logger: Logger
    private let state = Mutex(State())

    init(notifier: SystemdNotifier?, expecting expected: Set<Listener> = Set(Listener.allCases),
         statusInterval: Duration = .seconds(10), logger: Logger, probe: @escaping @Sendable () async -> String) {
        self.notifier = notifier
        self.expected = expected
        self.statusInterval = statusInterval
        self.logger = logger
        self.probe = probe
    }

    /// The period of the supervision loop: half the watchdog timeout (systemd's advice),
    /// else `statusInterval`.
    var period: Duration {
        notifier?.watchdogTimeout.map { $0 / 2 } ?? statusInterval
    }

    /// A listener accepts connections. The last one expected makes the box ready.
    func listening(_ listener: Listener) {
        let becameReady = state.withLock { state in
            state.listening.insert(listener)
            guard !state.ready, state.listening.isSuperset(of: expected) else { return false }
            state.ready = true
            return true
        }
        guard becameReady, let notifier else { return }
        deliver(notifier, [("READY", "1"), ("STATUS", "listening")])
        logger.info("systemd notified: ready")
    }

    var isReady: Bool { state.withLock { $0.ready } }

    func run() async throws {
        guard let notifier else {
            try await gracefulShutdown()
            return
        }
        logger.info("systemd supervision", metadata: [
            "watchdog.timeout": "\(notifier.watchdogTimeout.map { "\($0)" } ?? "off")", "period": "\(period)",
        ])
        await cancelWhenGracefulShutdown {
            var lastStatus = ""
            while !Task.isCancelled {
                let status = await self.probe()
                var assignments: [(key: String, value: String)] = []
                if notifier.watchdogTimeout != nil { assignments.append(("WATCHDOG", "1")) }
                // The status line starts with READY=1; before that systemd shows "activating".
                if status != lastStatus && self.isReady {
                    assignments.append(("STATUS", status))
                    lastStatus = status
                }
                if !assignments.isEmpty { self.deliver(notifier, assignments) }
                try? await Task.sleep(for: self.period)
            }
        }
        deliver(notifier, [("STOPPING", "1"), ("STATUS", "stopping")])
    }

    private func deliver(_ notifier: SystemdNotifier, _ assignments: [(key: String, value: String)]) {
        do {
            try notifier.notify(assignments)
        } catch {
            // A lost datagram is repaired by the next period; the log says why it was lost.
            logger.warning("systemd notification failed", metadata: ["error": "\(error)"])
        }
    }
}

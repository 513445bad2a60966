import NIOCore
import Synchronization

/// Who may hold one of the RTMP listener's connection slots, and how much memory the peers
/// whose publish has not been accepted may hold between them.
///
/// Anyone on the venue LAN can open a connection; only the encoder knows the stream key.
/// So until a publish is accepted a connection is a stranger: it counts against its
/// address's cap, its partly received messages count against one box-wide budget, and when
/// every slot is taken the oldest stranger makes room for the newcomer (which may be the
/// encoder reconnecting after a network blip). The publisher is never evicted.
public final class RTMPAdmission: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Connections at once, publishers and strangers together.
        public var maxConnections: Int
        /// Connections at once from one address: beyond it the newcomer is refused (it may
        /// not evict others' connections to make room for its own).
        public var maxPerAddress: Int
        /// Declared bytes of unfinished messages, summed over every connection without an
        /// accepted publish. A connection whose next message would pass it is closed.
        public var strangerBudgetBytes: Int

        public init(maxConnections: Int = 16, maxPerAddress: Int = 4, strangerBudgetBytes: Int = 512 * 1024) {
            self.maxConnections = maxConnections
            self.maxPerAddress = maxPerAddress
            self.strangerBudgetBytes = strangerBudgetBytes
        }
    }

    public enum Decision: Sendable {
        /// Admitted; `evicting` (a stranger's connection) must be closed to make room.
        case admitted(evicting: Channel?)
        case refused(reason: String)
    }

    /// Sent down the evicted connection's pipeline, so its handler logs why it is closed.
    struct Evicted: Sendable {}

    private struct Entry {
        var channel: Channel
        var address: String
        var order: UInt64
        var published = false
        var heldBytes = 0
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        var nextOrder: UInt64 = 0
        var strangerBytes = 0
    }

    public let limits: Limits
    private let state = Mutex(State())

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Decides for a connection that has just been accepted from `address`.
    public func admit(_ channel: Channel, address: String) -> Decision {
        state.withLock { state in
            let fromAddress = state.entries.values.count(where: { $0.address == address })
            if fromAddress >= limits.maxPerAddress {
                return .refused(reason: "\(fromAddress) connections from this address already (at most \(limits.maxPerAddress))")
            }
            var evicted: Channel?
            if state.entries.count >= limits.maxConnections {
                guard let oldest = state.entries.filter({ !$0.value.published }).min(by: { $0.value.order < $1.value.order }) else {
                    return .refused(reason: "all \(limits.maxConnections) connections are publishing")
                }
                state.strangerBytes -= oldest.value.heldBytes
                state.entries.removeValue(forKey: oldest.key)
                evicted = oldest.value.channel
            }
            state.entries[ObjectIdentifier(channel)] = Entry(channel: channel, address: address, order: state.nextOrder)
            state.nextOrder += 1
            return .admitted(evicting: evicted)
        }
    }

    /// The connection closed (or was evicted): its slot and its share of the budget are free.
    public func remove(_ channel: ObjectIdentifier) {
        state.withLock { state in
            if let entry = state.entries.removeValue(forKey: channel) { state.strangerBytes -= entry.heldBytes }
        }
    }

    /// A publish was accepted (`true`) or ended with the connection still open (`false`).
    /// A publisher's memory is bounded by the full `RTMPLimits`, outside the strangers' budget.
    func setPublished(_ channel: ObjectIdentifier, _ published: Bool) {
        state.withLock { state in
            guard var entry = state.entries[channel] else { return }
            state.strangerBytes -= entry.heldBytes
            entry.heldBytes = 0
            entry.published = published
            state.entries[channel] = entry
        }
    }

    /// Records what a stranger's connection now holds; false when that would pass the
    /// box-wide budget (then nothing is recorded and the caller closes the connection).
    func hold(_ channel: ObjectIdentifier, bytes: Int) -> Bool {
        state.withLock { state in
            guard var entry = state.entries[channel], !entry.published else { return true }
            let total = state.strangerBytes - entry.heldBytes + bytes
            guard total <= limits.strangerBudgetBytes else { return false }
            state.strangerBytes = total
            entry.heldBytes = bytes
            state.entries[channel] = entry
            return true
        }
    }

    public var connectionCount: Int { state.withLock { $0.entries.count } }
    /// Bytes the strangers hold now (for the status page and the metrics).
    public var strangerBytes: Int { state.withLock { $0.strangerBytes } }
    var channels: [Channel] { state.withLock { $0.entries.values.map(\.channel) } }
}

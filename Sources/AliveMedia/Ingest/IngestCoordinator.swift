import Foundation
import Synchronization

/// Decides who may publish: the expected app and stream key, and one publisher at a time.
/// Also keeps the ingest's status for the control plane. Shared by every RTMP connection.
public final class IngestCoordinator: Sendable {
    public enum State: String, Sendable {
        case idle
        case publishing
    }

    /// What the control plane shows about the ingest.
    public struct Status: Sendable, Equatable {
        public var state: State = .idle
        public var publisher: String?
        public var publishingSince: Date?
        public var metadata: StreamMetadata?
        public var videoCodec: String?
        public var audioCodec: String?
        public var bytesReceived: UInt64 = 0
        /// Media bitrate from the encoder over the last 5 s.
        public var bitrateInKilobitsPerSecond: Double = 0
        public var publishesAccepted: UInt64 = 0
        public var publishesRefused: UInt64 = 0
        public var connectionsRejected: UInt64 = 0
        /// The last reason a publisher or connection was refused or cut, for the operator.
        public var lastError: String?
        public var lastErrorAt: Date?
    }

    public enum Refusal: Error, Equatable, Sendable {
        case wrongStreamKey
        case anotherPublisherIsLive

        /// The `onStatus` description the encoder shows its user.
        public var description: String {
            switch self {
            case .wrongStreamKey: "Stream key not accepted"
            case .anotherPublisherIsLive: "Another encoder is already publishing to this box"
            }
        }
    }

    private struct Guarded {
        var app: String
        var streamKey: String
        var publisher: ObjectIdentifier?
        var status = Status()
        var meter = ThroughputMeter()
    }

    private let guarded: Mutex<Guarded>

    public init(app: String, streamKey: String) {
        guarded = Mutex(Guarded(app: app, streamKey: streamKey))
    }

    public var app: String { guarded.withLock { $0.app } }

    /// Applies to the next publish; a running one continues.
    public func setStreamKey(_ key: String) { guarded.withLock { $0.streamKey = key } }

    public func acceptsApp(_ app: String) -> Bool { guarded.withLock { $0.app == app } }

    /// Claims the single publisher slot for `connection` if `key` is right.
    func claim(_ connection: ObjectIdentifier, key: String, remote: String) -> Refusal? {
        guarded.withLock { guarded in
            let refusal: Refusal?
            if !Self.constantTimeEqual(key, guarded.streamKey) {
                refusal = .wrongStreamKey
            } else if guarded.publisher != nil && guarded.publisher != connection {
                refusal = .anotherPublisherIsLive
            } else {
                refusal = nil
            }
            if let refusal {
                guarded.status.publishesRefused += 1
                guarded.status.lastError = "publish from \(remote) refused: \(refusal.description)"
                guarded.status.lastErrorAt = Date()
                return refusal
            }
            guarded.publisher = connection
            guarded.status.state = .publishing
            guarded.status.publisher = remote
            guarded.status.publishingSince = Date()
            guarded.status.metadata = nil
            guarded.status.videoCodec = nil
            guarded.status.audioCodec = nil
            guarded.status.publishesAccepted += 1
            return nil
        }
    }

    /// Frees the slot if `connection` holds it.
    func release(_ connection: ObjectIdentifier) {
        guarded.withLock { guarded in
            guard guarded.publisher == connection else { return }
            guarded.publisher = nil
            guarded.status.state = .idle
            guarded.status.publisher = nil
            guarded.status.publishingSince = nil
        }
    }

    func isPublisher(_ connection: ObjectIdentifier) -> Bool { guarded.withLock { $0.publisher == connection } }

    func update(_ change: (inout Status) -> Void) { guarded.withLock { change(&$0.status) } }

    /// Counts media bytes from the publisher (status: bytes and bitrate in).
    func recordMedia(bytes: Int) {
        let second = Self.monotonicSecond()
        guarded.withLock { guarded in
            guarded.status.bytesReceived += UInt64(bytes)
            guarded.meter.record(bytes, atSecond: second)
        }
    }

    private static let epoch = ContinuousClock.now

    private static func monotonicSecond() -> Int64 {
        (ContinuousClock.now - epoch).components.seconds
    }

    func recordError(_ message: String, connectionRejected: Bool = false) {
        guarded.withLock { guarded in
            guarded.status.lastError = message
            guarded.status.lastErrorAt = Date()
            if connectionRejected { guarded.status.connectionsRejected += 1 }
        }
    }

    public var status: Status {
        let second = Self.monotonicSecond()
        return guarded.withLock { guarded in
            var status = guarded.status
            status.bitrateInKilobitsPerSecond = (guarded.meter.bitsPerSecond(atSecond: second) / 1000).rounded()
            return status
        }
    }

    /// Compares without leaking, through timing, how much of the key matched.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0 && a.count == b.count
    }
}

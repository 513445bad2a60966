import Foundation
import Logging
import Synchronization

/// The last lines the box logged, for `GET /api/v1/logs` and the page. Bounded: the oldest
/// line goes when it is full. Installed beside stderr with `MultiplexLogHandler`.
public final class RecentLogBuffer: Sendable {
    public let capacity: Int
    private let lines: Mutex<(items: [String], next: Int)>

    public init(capacity: Int = 500) {
        self.capacity = capacity
        self.lines = Mutex(([], 0))
    }

    func append(_ line: String) {
        lines.withLock { state in
            if state.items.count < capacity { state.items.append(line) } else { state.items[state.next] = line }
            state.next = (state.next + 1) % capacity
        }
    }

    /// Up to `limit` most recent lines, oldest first.
    public func recent(_ limit: Int) -> [String] {
        lines.withLock { state in
            let ordered = state.items.count < capacity ? state.items : Array(state.items[state.next...] + state.items[..<state.next])
            return Array(ordered.suffix(max(0, limit)))
        }
    }

    public func handler(label: String) -> some LogHandler { Handler(label: label, buffer: self) }

    struct Handler: LogHandler {
        let label: String
        let buffer: RecentLogBuffer
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let time = Date().formatted(.iso8601)
            buffer.append("\(time) \(event.level) \(fields.isEmpty ? "" : fields + " ")\(event.message)")
        }
    }
}

import Foundation
import Synchronization

/// The sender side of systemd's notification protocol (`sd_notify(3)`) without libsystemd:
/// one `AF_UNIX` datagram of `KEY=value` lines to the socket named by `$NOTIFY_SOCKET`
/// (a path, or an abstract name written with a leading `@`).
///
/// Owns one datagram socket; `close()` releases it. Sends never block: a full socket buffer
/// is reported as an error and the caller's next periodic message simply tries again.
public final class SystemdNotifier: Sendable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case unsupportedAddress(String)
        case addressTooLong(String)
        case invalidWatchdogInterval(String)
        case socket(errno: Int32)
        case send(errno: Int32)
        case closed

        var description: String {
            switch self {
            case .unsupportedAddress(let address): "NOTIFY_SOCKET=\(address): only a path or an @abstract name is supported"
            case .addressTooLong(let address): "NOTIFY_SOCKET=\(address): longer than a unix socket address can be"
            case .invalidWatchdogInterval(let value): "WATCHDOG_USEC=\(value): not a positive number of microseconds"
            case .socket(let code): "cannot create the notification socket: \(String(cString: strerror(code)))"
            case .send(let code): "cannot notify systemd: \(String(cString: strerror(code)))"
            case .closed: "the notifier is closed"
            }
        }
    }

    /// As written in `$NOTIFY_SOCKET`.
    let address: String
    /// Set when systemd supervises this process with `WatchdogSec=`: `WATCHDOG=1` must
    /// arrive more often than this.
    let watchdogTimeout: Duration?

    private let socketAddress: [UInt8]
    private let descriptor: Mutex<Int32>

    /// The notifier systemd asked for, or nil when this process does not run under
    /// `Type=notify` (no `$NOTIFY_SOCKET`): then the box simply does not notify.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                processID: pid_t = getpid()) throws -> SystemdNotifier? {
        guard let address = environment["NOTIFY_SOCKET"], !address.isEmpty else { return nil }
        var watchdog: Duration?
        // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited
        // the environment must not feed its parent's watchdog.
        if let value = environment["WATCHDOG_USEC"],
           environment["WATCHDOG_PID"].map({ pid_t($0) == processID }) ?? true {
            guard let microseconds = UInt64(value), microseconds > 0, microseconds <= UInt64(Int64.max) else {
                throw Failure.invalidWatchdogInterval(value)
            }
            watchdog = .microseconds(Int64(microseconds))
        }
        return try SystemdNotifier(address: address, watchdogTimeout: watchdog)
    }

    init(address: String, watchdogTimeout: Duration? = nil) throws {
        self.address = address
        self.watchdogTimeout = watchdogTimeout
        socketAddress = try Self.socketAddress(for: address)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.socket(errno: errno) }
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        close()
    }

    /// Sends `KEY=value` assignments as one datagram (`READY=1`, `STATUS=…`, `WATCHDOG=1`).
    /// A newline inside a value would start a new assignment, so it becomes a space.
    func notify(_ assignments: [(key: String, value: String)]) throws {
        try send(assignments.map { "\($0.key)=\($0.value.replacingOccurrences(of: "\n", with: " "))" }.joined(separator: "\n"))
    }

    func send(_ message: String) throws {
        let bytes = Array(message.utf8)
        try descriptor.withLock { descriptor in
            guard descriptor >= 0 else { throw Failure.closed }
            let sent = socketAddress.withUnsafeBytes { address in
                bytes.withUnsafeBytes { payload in
                    sendto(descriptor, payload.baseAddress, payload.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT),
                           address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(address.count))
                }
            }
            guard sent == bytes.count else { throw Failure.send(errno: sent < 0 ? errno : EMSGSIZE) }
        }
    }

    func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 {
                closeDescriptor(descriptor)
                descriptor = -1
            }
        }
    }

    /// The `sockaddr_un` bytes for `address`, exactly as long as the name: an abstract name
    /// (`@name` → a leading NUL) has no terminator, a path keeps its NUL.
    static func socketAddress(for address: String) throws -> [UInt8] {
        var name = Array(address.utf8)
        switch name.first {
        case UInt8(ascii: "@"): name[0] = 0
        case UInt8(ascii: "/"): name.append(0)
        default: throw Failure.unsupportedAddress(address)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let pathCapacity = MemoryLayout<sockaddr_un>.size - pathOffset
        guard name.count > 1 else { throw Failure.unsupportedAddress(address) }
        guard name.count <= pathCapacity else { throw Failure.addressTooLong(address) }
        var bytes = [UInt8](repeating: 0, count: pathOffset + name.count)
        withUnsafeBytes(of: sa_family_t(AF_UNIX)) { family in
            bytes.replaceSubrange(0..<family.count, with: family)
        }
        bytes.replaceSubrange(pathOffset..., with: name)
        return bytes
    }
}

/// `close(2)`, out of reach of the notifier's own `close()`.
private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

import Foundation

/// The receiving end of a notification socket, as systemd holds it: an AF_UNIX datagram
/// socket bound to a path or to an abstract name (`@name`).
final class DatagramListener: @unchecked Sendable {
    // @unchecked: one test reads from it at a time (receives are sequential).
    let address: String
    private var descriptor: Int32

    /// `abstract`: bind an abstract name instead of a file in the temporary directory.
    init(abstract: Bool) throws {
        let name = "alived-notify-\(UUID().uuidString.prefix(8))"
        address = abstract ? "@\(name)" : FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw DatagramListenerError(what: "socket") }
        // Built independently of SystemdNotifier.socketAddress: sun_path filled by hand.
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        let length = MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(length)) }
        }
        guard bound == 0 else { throw DatagramListenerError(what: "bind \(address): errno \(errno)") }
        // Reads wake up every 50 ms so `receive(timeout:)` can keep its deadline.
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    /// The next datagram, or nil when none arrived within `timeout` seconds.
    func receive(timeout: Double) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count >= 0 { return String(decoding: buffer[0..<count], as: UTF8.self) }
        }
        return nil
    }

    /// Every datagram that arrives within `duration` seconds.
    func receiveAll(for duration: Double) -> [String] {
        let deadline = Date().addingTimeInterval(duration)
        var messages: [String] = []
        while case let remaining = deadline.timeIntervalSinceNow, remaining > 0 {
            if let message = receive(timeout: remaining) { messages.append(message) }
        }
        return messages
    }

    /// `receive(timeout:)` off the cooperative thread pool, so the code under test keeps running.
    func next(timeout: Double) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.receive(timeout: timeout)) }
        }
    }

    /// `receiveAll(for:)` off the cooperative thread pool.
    func all(for duration: Double) async -> [String] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.receiveAll(for: duration)) }
        }
    }

    func close() {
        if descriptor >= 0 {
            _ = Foundation.close(descriptor)
            descriptor = -1
            if !address.hasPrefix("@") { unlink(address) }
        }
    }
}

struct DatagramListenerError: Error, CustomStringConvertible {
    var what: String
    var description: String { "datagram listener: \(what)" }
}

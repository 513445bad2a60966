import AliveTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("alived-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A port that was free a moment ago (bind to 0, read it, close).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw ExternalProcess.Failure(description: "no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

struct HTTPResult {
    var status: Int
    var body: String
    var data: Data
    var headers: [String: String]
}

/// A GET on 127.0.0.1 with a 5-second bound.
func httpGet(port: Int, path: String) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.timeoutInterval = 5
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as? HTTPURLResponse
    var headers: [String: String] = [:]
    for (name, value) in http?.allHeaderFields ?? [:] { headers["\(name)".lowercased()] = "\(value)" }
    return HTTPResult(status: http?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self), data: data, headers: headers)
}

func waitFor(_ what: String, timeout: Double = 20, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw ExternalProcess.Failure(description: "timed out waiting for: \(what)")
}

import AliveTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    var headers: [String: String] = [:]
    /// The body's bytes as received (for a binary body `body` is only a lossy UTF-8 reading).
    var data = Data()

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
}

/// No cookie jar, no cache: every test says exactly what it sends.
let plainSession: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    configuration.urlCache = nil
    return URLSession(configuration: configuration)
}()

/// A GET on 127.0.0.1 with a 5-second bound.
func httpGet(port: Int, path: String) async throws -> HTTPResult {
    try await http("GET", port: port, path: path)
}

/// Any request on 127.0.0.1, bounded (5 seconds unless told).
func http(_ method: String, port: Int, path: String, headers: [String: String] = [:], body: String? = nil,
          timeout: TimeInterval = 5) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = timeout
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    if let body { request.httpBody = Data(body.utf8) }
    let (data, response) = try await plainSession.data(for: request)
    let http = response as? HTTPURLResponse
    var fields: [String: String] = [:]
    for (name, value) in http?.allHeaderFields ?? [:] { fields[String(describing: name).lowercased()] = String(describing: value) }
    return HTTPResult(status: http?.statusCode ?? 0, body: String(decoding: data, as: UTF8.self), headers: fields, data: data)
}

/// Starts Tests/Support/kubo_front.py (it stops when its stdin closes) and returns its port.
func startKuboFront() throws -> (front: SupportScript, port: Int) {
    let front = try SupportScript(script: "kubo_front.py", arguments: [], startTimeout: 30)
    guard let port = Int(front.payload.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        front.stop()
        throw ExternalProcess.Failure(description: "kubo front did not start: \(front.payload)")
    }
    return (front, port)
}

/// The stream key a running box generated into `<data dir>/secrets.toml`.
func streamKey(in dataDirectory: URL) throws -> String {
    let text = try String(contentsOf: dataDirectory.appendingPathComponent("secrets.toml"), encoding: .utf8)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("stream_key") }),
          let key = line.split(separator: "\"").dropFirst().first else {
        throw ExternalProcess.Failure(description: "no stream_key in \(dataDirectory.path)/secrets.toml")
    }
    return String(key)
}

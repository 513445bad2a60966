import Foundation
import Hummingbird

/// Which `Host` headers the page and the API answer to.
///
/// DNS rebinding: a page a visitor opens at `evil.example` can make that name resolve to
/// the box and then call the box's API as same-origin (setting the first password before
/// the technician does, say). The browser still sends `Host: evil.example`, so refusing
/// names that are not the box's own closes that door. IP literals are always the box's
/// own as far as this matters: a page can only send one as its Host if it was loaded from
/// that address, which is the box itself.
public enum HostAllowList {
    /// True if `host` (a Host header value, with or without a port) names this box.
    /// `hostname` is the box's current hostname (it changes at first boot).
    public static func allows(_ host: String, hostname: String, configured: [String]) -> Bool {
        guard let name = hostName(of: host) else { return false }
        if isIPLiteral(name) || name == "localhost" || name.hasSuffix(".localhost") { return true }
        let own = hostname.lowercased()
        if !own.isEmpty && (name == own || name == own + ".local") { return true }
        return configured.contains { $0.lowercased() == name }
    }

    /// The name part of a Host value, lowercased, without port or trailing dot; nil if malformed.
    static func hostName(of host: String) -> String? {
        var value = Substring(host.lowercased())
        if value.hasPrefix("[") {
            // [v6]:port
            guard let close = value.firstIndex(of: "]") else { return nil }
            let rest = value[value.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            return String(value[...close])
        }
        if let colon = value.lastIndex(of: ":") {
            guard value[value.index(after: colon)...].allSatisfy(\.isNumber) else { return nil }
            value = value[..<colon]
        }
        if value.hasSuffix(".") { value = value.dropLast() }
        return value.isEmpty ? nil : String(value)
    }

    static func isIPLiteral(_ name: String) -> Bool {
        if name.hasPrefix("[") && name.hasSuffix("]") {
            var address = in6_addr()
            return inet_pton(AF_INET6, String(name.dropFirst().dropLast()), &address) == 1
        }
        var address = in_addr()
        return inet_pton(AF_INET, name, &address) == 1
    }

    /// A name `http.allowed_hosts` may hold.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 253 && !name.hasPrefix(".") && !name.hasPrefix("-")
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == ".") }
    }

    /// The box's hostname now.
    static func currentHostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Refuses page and API requests whose `Host` is not the box's own (421 Misdirected
/// Request). The HLS preview, the `/ipfs/` gateway, `/metrics` and `/healthz` are for
/// players, nodes and scrapers that may reach the box by any name, hold no session and
/// change nothing, so they are not checked.
struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedHosts: @Sendable () -> [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let checked = path == "/" || path.hasPrefix("/api/")
        if checked, let host = request.head.authority,
           !HostAllowList.allows(host, hostname: HostAllowList.currentHostname(), configured: allowedHosts()) {
            throw APIError(status: .misdirectedRequest,
                           message: "this box does not answer to the name \(host.prefix(64)); use its address, its hostname, or add the name to http.allowed_hosts")
        }
        return try await next(request, context)
    }
}

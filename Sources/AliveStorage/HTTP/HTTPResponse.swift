/// A complete HTTP answer: the final status line's code, its headers, the body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header of that name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as text, for errors and logs (cut to `limit` characters).
    public func bodyText(limit: Int = 200) -> String {
        String(decoding: body.prefix(limit), as: UTF8.self)
    }
}

/// One outbound HTTP request, as the storage uploaders and the ledger/AliveDB clients
/// build it. Bodies are either small owned bytes (JSON) or `SegmentBytes` read in place.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET", post = "POST", put = "PUT", delete = "DELETE", head = "HEAD"
    }

    public enum Body: Sendable {
        case empty
        /// A body sent as-is (JSON, form text). `contentType` becomes the Content-Type.
        case bytes(any SegmentBytes, contentType: String)
        /// A `multipart/form-data` body; file parts are read in place from memory.
        case multipart(MultipartForm)
    }

    public var method: Method
    /// Absolute `http://` or `https://` URL. May carry a secret in its query (an access
    /// token): it is never logged; logs show `redactedURL`.
    public var url: String
    public var headers: [HTTPHeader]
    public var body: Body
    /// Time allowed to establish the connection (TCP + TLS); nil uses the client default.
    public var connectTimeout: Duration?
    /// Time allowed for the whole transfer, connect included; nil uses the client default.
    public var totalTimeout: Duration?
    /// Largest answer body accepted; a larger one fails with `.responseTooLarge`.
    public var maxResponseBytes: Int?

    public init(method: Method, url: String, headers: [HTTPHeader] = [], body: Body = .empty,
                connectTimeout: Duration? = nil, totalTimeout: Duration? = nil, maxResponseBytes: Int? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// A GET of `url`.
    public static func get(_ url: String, headers: [HTTPHeader] = []) -> HTTPRequest {
        HTTPRequest(method: .get, url: url, headers: headers)
    }

    /// A POST of a JSON document (already encoded) to `url`.
    public static func postJSON(_ url: String, json: [UInt8], headers: [HTTPHeader] = []) -> HTTPRequest {
        HTTPRequest(method: .post, url: url, headers: headers + [HTTPHeader("Accept", "application/json")],
                    body: .bytes(OwnedBytes(json), contentType: "application/json"))
    }

    /// The URL without its query and fragment, safe to log.
    public var redactedURL: String { Self.redact(url) }

    static func redact(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }

    /// Checks what libcurl would otherwise reject late or misread: scheme, control
    /// characters, header syntax.
    func validate() throws(StorageError) {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw StorageError(.invalidRequest, "URL must be http:// or https://: \(redactedURL)")
        }
        guard !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }) else {
            throw StorageError(.invalidRequest, "URL contains spaces or control characters: \(redactedURL)")
        }
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(HTTPHeader.isTokenByte),
                  !header.value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a || $0 == 0 }) else {
                throw StorageError(.invalidRequest, "invalid header \(header.name)")
            }
        }
        if case .multipart(let form) = body { try form.validate() }
        for timeout in [connectTimeout, totalTimeout].compactMap({ $0 }) where timeout <= .zero {
            throw StorageError(.invalidRequest, "time-outs must be positive")
        }
        if let maxResponseBytes, maxResponseBytes < 0 {
            throw StorageError(.invalidRequest, "maxResponseBytes must not be negative")
        }
    }
}

public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

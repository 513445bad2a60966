import CCurl

/// One libcurl easy handle with everything it points at (header list, mime body, body
/// readers, error buffer, collected answer). Lives on the client's transfer thread
/// only, from `init` to `close()`. The C callbacks find it again through `Unmanaged`.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var mime: OpaquePointer?
    private var readers: [RegionReader] = []
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private let maxResponseBytes: Int
    private(set) var responseTooLarge = false
    private var status = 0
    private var headers: [HTTPHeader] = []
    private var body: [UInt8] = []
    private var closed = false

    init(request: HTTPRequest, defaults: HTTPClient.Configuration) throws(StorageError) {
        guard let easy = curl_easy_init() else { throw StorageError(.invalidRequest, "curl_easy_init failed") }
        self.easy = easy
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        maxResponseBytes = request.maxResponseBytes ?? defaults.maxResponseBytes
        do {
            try configure(request, defaults)
        } catch {
            close()
            throw error
        }
    }

    private func configure(_ request: HTTPRequest, _ defaults: HTTPClient.Configuration) throws(StorageError) {
        let this = Unmanaged.passUnretained(self).toOpaque()
        try check(ccurl_setopt_string(easy, CURLOPT_URL, request.url), "URL")
        try check(ccurl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
        try check(ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "nosignal")
        try check(ccurl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "redirects")
        try check(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "verify peer")
        try check(ccurl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "verify host")
        if let caBundle = defaults.caBundlePath {
            try check(ccurl_setopt_string(easy, CURLOPT_CAINFO, caBundle), "CA bundle")
        }
        try check(ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS,
                                    Self.milliseconds(request.connectTimeout ?? defaults.connectTimeout)), "connect timeout")
        try check(ccurl_setopt_long(easy, CURLOPT_TIMEOUT_MS,
                                    Self.milliseconds(request.totalTimeout ?? defaults.totalTimeout)), "timeout")
        try check(ccurl_setopt_long(easy, CURLOPT_UPLOAD_BUFFERSIZE, 512 * 1024), "upload buffer")
        try check(ccurl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        try check(ccurl_setopt_write_function(easy, CURLOPT_WRITEFUNCTION, curlWriteBody), "write function")
        try check(ccurl_setopt_pointer(easy, CURLOPT_WRITEDATA, this), "write data")
        try check(ccurl_setopt_write_function(easy, CURLOPT_HEADERFUNCTION, curlWriteHeader), "header function")
        try check(ccurl_setopt_pointer(easy, CURLOPT_HEADERDATA, this), "header data")

        // An empty `Expect:` stops curl from waiting for `100 Continue` before large bodies.
        var headerLines = request.headers.map { "\($0.name): \($0.value)" } + ["Expect:"]
        switch request.method {
        case .get:
            try check(ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1), "GET")
        case .head:
            try check(ccurl_setopt_long(easy, CURLOPT_NOBODY, 1), "HEAD")
        case .post:
            try check(ccurl_setopt_long(easy, CURLOPT_POST, 1), "POST")
        case .put, .delete:
            try check(ccurl_setopt_long(easy, CURLOPT_POST, 1), request.method.rawValue)
            try check(ccurl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue), "method")
        }
        switch request.body {
        case .empty:
            if request.method != .get && request.method != .head {
                try check(ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, 0), "empty body")
            }
        case .bytes(let bytes, let contentType):
            let reader = RegionReader(bytes)
            readers.append(reader)
            headerLines.append("Content-Type: \(contentType)")
            try check(ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(reader.count)), "body size")
            try check(ccurl_setopt_read_function(easy, curlReadBody), "read function")
            try check(ccurl_setopt_pointer(easy, CURLOPT_READDATA, Unmanaged.passUnretained(reader).toOpaque()), "read data")
            try check(ccurl_setopt_seek_function(easy, curlSeekBody), "seek function")
            try check(ccurl_setopt_pointer(easy, CURLOPT_SEEKDATA, Unmanaged.passUnretained(reader).toOpaque()), "seek data")
        case .multipart(let form):
            try attach(form)
        }
        for line in headerLines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw StorageError(.invalidRequest, "out of memory building headers")
            }
            headerList = appended
        }
        try check(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "headers")
    }

    private func attach(_ form: MultipartForm) throws(StorageError) {
        guard let mime = curl_mime_init(easy) else { throw StorageError(.invalidRequest, "curl_mime_init failed") }
        self.mime = mime
        for part in form.parts {
            guard let handle = curl_mime_addpart(mime) else { throw StorageError(.invalidRequest, "curl_mime_addpart failed") }
            try check(curl_mime_name(handle, part.name), "part name")
            if let filename = part.filename { try check(curl_mime_filename(handle, filename), "part filename") }
            if let contentType = part.contentType { try check(curl_mime_type(handle, contentType), "part type") }
            switch part.content {
            case .text(let text):
                var utf8 = Array(text.utf8)
                try check(curl_mime_data(handle, &utf8, utf8.count), "part data")  // curl copies it
            case .bytes(let bytes):
                let reader = RegionReader(bytes)
                readers.append(reader)
                try check(curl_mime_data_cb(handle, curl_off_t(reader.count), curlReadBody, curlSeekBody, nil,
                                            Unmanaged.passUnretained(reader).toOpaque()), "part data")
            }
        }
        try check(ccurl_setopt_mime(easy, mime), "multipart body")
    }

    private func check(_ code: CURLcode, _ what: String) throws(StorageError) {
        guard code == CURLE_OK else {
            throw StorageError(.invalidRequest, "\(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    // MARK: Callbacks (transfer thread)

    fileprivate func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= maxResponseBytes else {
            responseTooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    fileprivate func appendHeaderLine(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self).trimmingTrailingNewline()
        if text.hasPrefix("HTTP/") {
            // A new response starts (after `100 Continue` or similar): keep only the last.
            headers.removeAll()
            return
        }
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = String(text[..<colon])
        let value = String(text[text.index(after: colon)...]).trimmingSpaces()
        headers.append(HTTPHeader(name, value))
    }

    // MARK: Result

    /// The answer after curl reported the transfer done with `result`.
    func finish(result: CURLcode) -> Result<HTTPResponse, StorageError> {
        guard result == CURLE_OK else { return .failure(error(for: result)) }
        var code = 0
        _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
        return .success(HTTPResponse(status: code, headers: headers, body: body))
    }

    private func error(for result: CURLcode) -> StorageError {
        let detail = errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(result))
        switch result {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return StorageError(.connectFailed, detail)
        case CURLE_OPERATION_TIMEDOUT:
            // Nothing of the request sent yet means the time ran out while connecting.
            var requestBytes = 0
            _ = ccurl_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
            return StorageError(requestBytes == 0 ? .connectFailed : .timedOut, detail)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return StorageError(.tlsFailed, detail)
        case CURLE_WRITE_ERROR where responseTooLarge:
            return StorageError(.responseTooLarge, "answer larger than \(maxResponseBytes) bytes")
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return StorageError(.invalidRequest, detail)
        default:
            return StorageError(.transferFailed, detail)
        }
    }

    /// Frees the handle and everything it points at. Must be called once the handle
    /// is out of the multi handle.
    func close() {
        guard !closed else { return }
        closed = true
        curl_easy_cleanup(easy)
        if let mime { curl_mime_free(mime) }
        if let headerList { curl_slist_free_all(headerList) }
        readers.removeAll()
        errorBuffer.deallocate()
    }

    deinit { assert(closed, "CurlTransfer dropped without close()") }
}

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    // Returning less than `length` makes curl stop the transfer with CURLE_WRITE_ERROR.
    return transfer.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                             _ context: UnsafeMutableRawPointer?) -> Int {
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

private func curlReadBody(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                          _ context: UnsafeMutableRawPointer?) -> Int {
    guard let buffer, let context else { return ccurl_read_abort }
    let reader = Unmanaged<RegionReader>.fromOpaque(context).takeUnretainedValue()
    return reader.read(into: buffer, capacity: size * count)
}

private func curlSeekBody(_ context: UnsafeMutableRawPointer?, _ offset: curl_off_t, _ origin: Int32) -> Int32 {
    guard let context, origin == SEEK_SET else { return ccurl_seek_fail }
    let reader = Unmanaged<RegionReader>.fromOpaque(context).takeUnretainedValue()
    return reader.seek(to: Int(offset)) ? ccurl_seek_ok : ccurl_seek_fail
}

private extension String {
    func trimmingTrailingNewline() -> String {
        var text = Substring(self)
        while let last = text.last, last == "\n" || last == "\r" || last == "\r\n" { text = text.dropLast() }
        return String(text)
    }

    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

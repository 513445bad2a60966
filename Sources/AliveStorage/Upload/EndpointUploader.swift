import Foundation

/// One endpoint of one kind: builds the request, reads the answer, returns the hash.
protocol EndpointUploader: Sendable {
    /// The endpoint's URL without query, for logs.
    var label: String { get }
    /// Whether the answer is an IPFS CID to check against the one computed on the box.
    var answersCID: Bool { get }
    func request(for object: StorageObject, cidVersion: CIDVersion) -> HTTPRequest
    func hash(from response: HTTPResponse) throws(StorageError) -> String
}

extension EndpointUploader {
    static func joined(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: some Collection<UInt8>, endpoint: String) throws(StorageError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw StorageError(.badAnswer, "\(endpoint) answered unreadable JSON: \(String(decoding: bytes.prefix(200), as: UTF8.self))")
        }
    }

    /// Kubo and Cluster stream one JSON object per line (or, for Cluster with
    /// `stream-channels=false`, one array); the file's entry is the last object.
    static func jsonObjects<T: Decodable>(_ type: T.Type, in body: [UInt8], endpoint: String) throws(StorageError) -> [T] {
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d }
        if trimmed.first == UInt8(ascii: "[") {
            return try decodeJSON([T].self, trimmed, endpoint: endpoint)
        }
        var objects: [T] = []
        for line in body.split(separator: 0x0a) where line.contains(where: { $0 != 0x20 && $0 != 0x0d }) {
            objects.append(try decodeJSON(T.self, line, endpoint: endpoint))
        }
        return objects
    }

    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// Kubo RPC (`POST /api/v0/add`) or IPFS Cluster (`POST /add`): multipart field `file`.
struct IPFSUploader: EndpointUploader {
    let endpoint: IPFSEndpoint
    var label: String { HTTPRequest.redact(endpoint.url) }
    var answersCID: Bool { true }

    func request(for object: StorageObject, cidVersion: CIDVersion) -> HTTPRequest {
        // Kubo's `ipfs add` defaults spelled out, so that a daemon or cluster configured
        // otherwise still builds the DAG the box computed.
        let rawLeaves = cidVersion == .v1 ? "true" : "false"
        let common = "cid-version=\(cidVersion.rawValue)&raw-leaves=\(rawLeaves)&chunker=size-262144"
        let url: String
        switch endpoint.api {
        case .kuboRPC:
            url = Self.joined(endpoint.url, "/api/v0/add?\(common)&pin=\(endpoint.pin)&progress=false")
        case .cluster:
            url = Self.joined(endpoint.url, "/add?\(common)&format=unixfs")
        }
        let form = MultipartForm([.file("file", filename: object.name, contentType: object.kind.contentType, bytes: object.bytes)])
        return HTTPRequest(method: .post, url: url, headers: endpoint.headers, body: .multipart(form))
    }

    private struct KuboAdded: Decodable {
        let Hash: String?
        let Message: String?
    }

    private struct ClusterAdded: Decodable {
        struct Link: Decodable { let target: String; enum CodingKeys: String, CodingKey { case target = "/" } }
        let cid: String?
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let text = try? container.decode(String.self, forKey: .cid) {
                cid = text
            } else {
                cid = try container.decodeIfPresent(Link.self, forKey: .cid)?.target
            }
        }
        enum CodingKeys: String, CodingKey { case cid }
    }

    func hash(from response: HTTPResponse) throws(StorageError) -> String {
        let found: String?
        switch endpoint.api {
        case .kuboRPC:
            let objects = try Self.jsonObjects(KuboAdded.self, in: response.body, endpoint: label)
            if let message = objects.last(where: { $0.Message != nil })?.Message {
                throw StorageError(.badAnswer, "\(label) reported: \(message)")
            }
            found = objects.last(where: { $0.Hash != nil })?.Hash
        case .cluster:
            found = try Self.jsonObjects(ClusterAdded.self, in: response.body, endpoint: label).last(where: { $0.cid != nil })?.cid
        }
        guard let found, !found.isEmpty else {
            throw StorageError(.badAnswer, "\(label) answered no hash: \(response.bodyText())")
        }
        return found
    }
}

/// Skynet portal: `POST /skynet/skyfile`, multipart field `file`, answer `skylink`.
struct SkynetUploader: EndpointUploader {
    let portal: SkynetPortal
    var label: String { HTTPRequest.redact(portal.url) }
    var answersCID: Bool { false }

    func request(for object: StorageObject, cidVersion: CIDVersion) -> HTTPRequest {
        let form = MultipartForm([.file("file", filename: object.name, contentType: object.kind.contentType, bytes: object.bytes)])
        let headers = portal.apiKey.map { [HTTPHeader("Skynet-Api-Key", $0)] } ?? []
        return HTTPRequest(method: .post, url: Self.joined(portal.url, "/skynet/skyfile"), headers: headers, body: .multipart(form))
    }

    private struct Answer: Decodable { let skylink: String? }

    func hash(from response: HTTPResponse) throws(StorageError) -> String {
        let answer = try Self.decodeJSON(Answer.self, response.body, endpoint: label)
        guard let skylink = answer.skylink?.replacingOccurrences(of: "sia://", with: ""), Self.isSkylink(skylink) else {
            throw StorageError(.badAnswer, "\(label) answered no valid skylink: \(response.bodyText())")
        }
        return skylink
    }

    /// 46 characters of base64url (34 bytes: 2 bytes bitfield, 32 bytes Merkle root).
    static func isSkylink(_ text: String) -> Bool {
        text.utf8.count == 46 && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}

/// oneloveipfs-style uploader: segments to `/uploadStream`, chunks to `/uploadChunk`,
/// access token in the query (so the URL is never logged whole).
struct AuthenticatedUploader: EndpointUploader {
    let endpoint: AuthenticatedUploaderEndpoint
    var label: String { HTTPRequest.redact(endpoint.url) }
    var answersCID: Bool { true }

    func request(for object: StorageObject, cidVersion: CIDVersion) -> HTTPRequest {
        let token = "access_token=\(Self.percentEncoded(endpoint.accessToken))"
        switch object.kind {
        case .segment:
            let form = MultipartForm([
                .field("streamId", endpoint.streamID),
                .file("segment", filename: object.name, contentType: object.kind.contentType, bytes: object.bytes),
            ])
            return HTTPRequest(method: .post, url: Self.joined(endpoint.url, "/uploadStream?\(token)"), body: .multipart(form))
        case .chunk:
            let text = String(decoding: object.bytes.copyBytes(), as: UTF8.self)  // ≤ 4200 bytes
            let form = MultipartForm([.field("content", text)])
            return HTTPRequest(method: .post, url: Self.joined(endpoint.url, "/uploadChunk?\(token)"), body: .multipart(form))
        }
    }

    private struct Answer: Decodable { let hash: String? }

    func hash(from response: HTTPResponse) throws(StorageError) -> String {
        guard let hash = try Self.decodeJSON(Answer.self, response.body, endpoint: label).hash, !hash.isEmpty else {
            throw StorageError(.badAnswer, "\(label) answered no hash: \(response.bodyText())")
        }
        return hash
    }
}

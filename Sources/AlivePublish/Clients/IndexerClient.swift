import AliveLedger
import AliveStorage
import Foundation

/// The HAlive indexer's `GET <api>/get_stream_info?stream_author=&stream_link=`: its
/// `chunk_finalized` is the highest seq it has seen on-chain for the stream (null for
/// none). The publisher cross-checks its journal with it at start: a journal that lags
/// behind the chain (lost, replaced) must never reuse a seq.
public struct IndexerClient: Sendable {
    public let url: String
    private let http: HTTPClient
    private let requestTimeout: Duration

    public init(url: String, http: HTTPClient, requestTimeout: Duration) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.http = http
        self.requestTimeout = requestTimeout
    }

    /// What HAlive knows of a stream: nil when it does not exist there (never configured).
    public struct StreamInfo: Sendable, Equatable {
        /// The highest finalized seq, nil before the first push.
        public let chunkFinalized: Int64?
        /// op 1 was seen: HAlive takes no more pushes for this link, ever.
        public let ended: Bool
    }

    /// The highest finalized seq of the stream, nil when it has none (or does not exist).
    public func chunkFinalized(author: String, link: String) async throws -> Int64? {
        try await streamInfo(author: author, link: link)?.chunkFinalized
    }

    /// HAlive's `get_stream_info`: it answers 200 with `{"error": "Stream does not exist"}`
    /// (or "Streamer does not exist") for a link it never saw configured — nil here —
    /// and the stream's row otherwise.
    public func streamInfo(author: String, link: String) async throws -> StreamInfo? {
        // Account names and links are URL-safe by their own rules (validated before).
        var request = HTTPRequest.get(url + "/get_stream_info?stream_author=\(author)&stream_link=\(link)")
        request.totalTimeout = requestTimeout
        request.connectTimeout = min(requestTimeout, .seconds(5))
        request.maxResponseBytes = 1 << 20
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as StorageError {
            throw PublishError(.unreachable, "indexer \(request.redactedURL): \(error)")
        }
        if response.status == 404 { return nil }
        guard response.isSuccess else {
            throw PublishError(.unreachable, "indexer answered HTTP \(response.status): \(response.bodyText(limit: 120))")
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)) else {
            throw PublishError(.badAnswer, "indexer answered something else than stream info: \(response.bodyText(limit: 120))")
        }
        if let error = answer.error {
            if error.hasSuffix("does not exist") { return nil }
            throw PublishError(.rejected, "indexer: \(error)")
        }
        if let seq = answer.chunkFinalized, !(0...Int64(AliveOperation.maximumSeq) + 1).contains(seq) {
            throw PublishError(.badAnswer, "indexer answered chunk_finalized \(seq), outside 0–\(AliveOperation.maximumSeq + 1)")
        }
        return StreamInfo(chunkFinalized: answer.chunkFinalized, ended: answer.ended ?? false)
    }

    private struct Answer: Decodable {
        let chunkFinalized: Int64?
        let ended: Bool?
        let error: String?
        enum CodingKeys: String, CodingKey {
            case chunkFinalized = "chunk_finalized"
            case ended
            case error
        }
    }
}

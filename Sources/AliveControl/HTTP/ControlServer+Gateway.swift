import Hummingbird
import NIOCore

/// What the box's own store holds under a CID (`storage.backend = "box"`).
public enum GatewayContent: Sendable, Equatable {
    /// A segment, served from the ring while the ring still holds that sequence.
    case ringSegment(sequence: UInt64)
    /// A chunk file (CSV of `hash,len` lines), kept by the store.
    case chunk([UInt8])
}

extension ControlServer {
    /// `GET /ipfs/<cid>`: a tiny gateway for the box's own content, so a playlist rebuilt
    /// from what the box published (the HAlive rule) plays from the box itself; nil unless
    /// the box stores on itself. Access as for `/hls/` (`http.open_hls`, the router's group
    /// decides). Content-addressed, hence cacheable for good.
    func gatewayRoutes() -> RouteCollection<ControlRequestContext>? {
        guard let gateway else { return nil }
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get(":cid") { _, context in
            guard let cid = context.parameters.get("cid"), Self.isCIDShaped(cid) else {
                throw HTTPError(.badRequest, message: "Not a CID")
            }
            let headers: HTTPFields = [.cacheControl: "public, max-age=31536000, immutable", .accessControlAllowOrigin: "*"]
            switch gateway(cid) {
            case .ringSegment(let sequence):
                guard let lease = ring.lease(sequence) else {
                    throw HTTPError(.notFound, message: "\(cid) (segment \(sequence)) is no longer in the ring")
                }
                var body = ByteBuffer()
                lease.write(into: &body)
                var fields = headers
                fields[.contentType] = "video/mp2t"
                return Response(status: .ok, headers: fields, body: .init(byteBuffer: body))
            case .chunk(let bytes):
                var fields = headers
                fields[.contentType] = Self.contentType(ofChunk: bytes)
                return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case nil:
                throw HTTPError(.notFound, message: "\(cid) is not stored on this box")
            }
        }
        return routes
    }

    /// The type Kubo's gateway would give the file (boxo sniffs it with
    /// gabriel-vasile/mimetype): `text/csv` only for a CSV of at least two lines that all
    /// have the first line's number of fields (more than one), else text. Consumers
    /// (HAlive) refuse a chunk served as anything but `text/csv`, so the box's own
    /// gateway must not be kinder than the real one. The box's chunks are plain ASCII
    /// without quotes; a quote is treated as not CSV rather than parsed.
    static func contentType(ofChunk bytes: [UInt8]) -> String {
        let text = "text/plain; charset=utf-8"
        guard !bytes.isEmpty else { return "text/plain" }
        guard String(validating: bytes, as: UTF8.self) != nil, !bytes.contains(UInt8(ascii: "\"")) else { return text }
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            .map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
            .filter { !$0.isEmpty && $0.first != UInt8(ascii: "#") }
        let counts = Set(lines.map { $0.count(where: { $0 == UInt8(ascii: ",") }) + 1 })
        return lines.count > 1 && counts.count == 1 && counts.first! > 1 ? "text/csv" : text
    }

    /// CIDv0 (`Qm…`, base58) or CIDv1 (`b…`, base32): letters and digits, at most 100.
    static func isCIDShaped(_ text: String) -> Bool {
        (2...100).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}

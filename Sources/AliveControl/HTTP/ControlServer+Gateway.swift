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
    /// from what the box published (the HAlive rule) plays from the box itself. Access as
    /// for `/hls/` (`http.open_hls`). Content-addressed, hence cacheable for good.
    func addGatewayRoute(to router: Router<ControlRequestContext>) {
        guard let gateway else { return }
        router.get("ipfs/:cid") { request, context in
            if !store.current.http.openHLS { _ = try authenticate(request, context, mutating: false) }
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
                fields[.contentType] = "text/csv"
                return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            case nil:
                throw HTTPError(.notFound, message: "\(cid) is not stored on this box")
            }
        }
    }

    /// CIDv0 (`Qm…`, base58) or CIDv1 (`b…`, base32): letters and digits, at most 100.
    static func isCIDShaped(_ text: String) -> Bool {
        (2...100).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}

import AliveMedia
import Hummingbird
import NIOCore

extension ControlServer {
    /// The local HLS preview from the ring, under `/hls/`: `live.m3u8` and `<sequence>.ts`.
    /// Open or signed-in as `http.open_hls` says (the router's group decides).
    func hlsRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("live.m3u8") { _, _ in
            let playlist = LivePlaylist.render(segments: ring.playlistSegments(), targetDurationSeconds: store.current.segments.seconds)
            return Response(
                status: .ok,
                headers: [.contentType: "application/vnd.apple.mpegurl", .cacheControl: "no-cache", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: ByteBuffer(string: playlist))
            )
        }
        routes.get(":segment") { _, context in
            guard let name = context.parameters.get("segment"), let sequence = Self.sequence(fromSegmentName: name) else {
                throw HTTPError(.notFound, message: "No such segment")
            }
            guard let lease = ring.lease(sequence) else {
                throw HTTPError(.notFound, message: "Segment \(sequence) is no longer (or not yet) in the ring")
            }
            // Copied out so the ring page is free again as soon as the bytes are in the response.
            var body = ByteBuffer()
            lease.write(into: &body)
            return Response(
                status: .ok,
                headers: [.contentType: "video/mp2t", .cacheControl: "max-age=3600", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: body)
            )
        }
        return routes
    }

    /// `123.ts` → 123; anything else → nil.
    static func sequence(fromSegmentName name: String) -> UInt64? {
        guard name.hasSuffix(".ts") else { return nil }
        let digits = name.dropLast(3)
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return UInt64(digits)
    }
}

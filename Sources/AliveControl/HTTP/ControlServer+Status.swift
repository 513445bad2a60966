import AliveMedia
import Hummingbird

extension ControlServer {
    /// `GET /api/v1/status` and `/api/v1/thumbnail.jpg`: open, what the page shows before login.
    func statusRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("status") { _, _ in
            var document = await StatusDocument(ring: ring, coordinator: coordinator, pipeline: pipeline, startedAt: startedAt,
                                                configuration: store.origin)
            if let camera { document.camera = camera.status }
            document.thumbnail = thumbnails?.status
            if let storage {
                let summary = await storage()
                document.storage = summary
                if summary.slowerThanRealTime { document.warnings.append("uploads are slower than real time: the ring will fill") }
            }
            document.warnings += notices
            if let publishing {
                let summary = publishing()
                document.publishing = summary
                if let problem = summary.lastProblem { document.warnings.append("publishing: \(problem)") }
            }
            return try JSONResponse.encode(document)
        }
        routes.get("thumbnail.jpg") { _, _ in
            guard let thumbnail = thumbnails?.latestThumbnail() else {
                throw HTTPError(.notFound, message: "No thumbnail yet: it appears once a video keyframe has arrived")
            }
            return Response(status: .ok, headers: [.contentType: "image/jpeg", .cacheControl: "no-cache"],
                            body: .init(byteBuffer: thumbnail.jpeg))
        }
        return routes
    }
}

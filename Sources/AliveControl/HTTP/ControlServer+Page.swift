import Hummingbird
import NIOCore

extension ControlServer {
    /// `GET /`: the status page (open: it logs in through the API).
    func pageRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
                                            .contentSecurityPolicy: StatusPage.contentSecurityPolicy],
                     body: .init(byteBuffer: ByteBuffer(string: StatusPage.html)))
        }
        return routes
    }
}

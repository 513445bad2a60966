import Hummingbird
import Metrics
import NIOCore

extension ControlServer {
    /// `GET /healthz`: open, for supervisors and load balancers.
    func healthRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        return routes
    }

    /// `GET /metrics` (Prometheus text): 404 when the box runs without metrics. Open or
    /// signed-in as `http.open_metrics` says (the router's group decides).
    func metricsRoutes() -> RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        routes.get("metrics") { _, _ in
            guard let metrics else { throw HTTPError(.notFound, message: "metrics are not enabled") }
            recordGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        return routes
    }

    /// Gauges read at scrape time from the stages' own accounting.
    func recordGauges() {
        let statistics = ring.statistics
        Gauge(label: "alived_ring_bytes_in_use").record(statistics.bytesInUse)
        Gauge(label: "alived_ring_budget_bytes").record(statistics.budgetBytes)
        Gauge(label: "alived_ring_segments").record(statistics.segmentCount)
        Gauge(label: "alived_ingest_publishing").record(coordinator.status.state == .publishing ? 1 : 0)
        Gauge(label: "alived_segmenter_queued_bytes").record(pipeline.queuedBytes)
    }
}

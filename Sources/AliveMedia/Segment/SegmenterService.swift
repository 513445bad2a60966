import ServiceLifecycle

/// The segmenter pipeline's place in the service group: on shutdown (after the ingest has
/// stopped) it closes the open segment, so the last seconds are not lost.
public struct SegmenterService: Service {
    private let pipeline: SegmenterPipeline

    public init(pipeline: SegmenterPipeline) { self.pipeline = pipeline }

    public func run() async throws {
        try? await gracefulShutdown()
        await pipeline.finish()
    }
}

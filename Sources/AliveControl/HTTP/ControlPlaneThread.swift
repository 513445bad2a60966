import Foundation
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The one thread the control plane (status page, API, metrics, local HLS) runs on: its
/// sockets, its request handlers and the Swift tasks they start. The media path (RTMP on
/// NIO's shared event loops, the segmenter and thumbnailer queues, the uploads) never waits
/// for it, and a laptop polling the status page ten times a second costs CPU on this thread
/// only. It also runs at a lower scheduling priority, so on a busy board the media path
/// wins the core.
public final class ControlPlaneThread: TaskExecutor {
    /// The thread's name in `/proc/<pid>/task/*/comm` (benchmarks measure it apart).
    public static let threadName = "alived-control"
    /// `nice` value of the thread (0 is the media path's).
    public static let niceness: Int32 = 5

    public let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop

    public init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute {
            Thread.current.name = Self.threadName
            // On Linux the nice value belongs to the thread, and `who` 0 is the calling
            // thread (the kernel's `current`): this lowers only the control plane.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// `service` with every task it runs (structured children inherit the preference)
    /// placed on this thread.
    public func pinning<Base: Service>(_ service: Base) -> some Service {
        PinnedService(base: service, thread: self)
    }

    public func shutdown() async {
        try? await group.shutdownGracefully()
    }
}

private struct PinnedService<Base: Service>: Service {
    let base: Base
    let thread: ControlPlaneThread

    func run() async throws {
        try await withTaskExecutorPreference(thread) { try await base.run() }
    }
}

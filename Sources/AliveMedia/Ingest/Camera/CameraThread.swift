import Foundation

/// The camera's plain threads (not tasks, not event loops: they block in libav). Each is
/// named for `top -H` and the kernel (at most 15 characters); threads libav starts from
/// one (libx264's) inherit the name.
enum CameraThread {
    static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // Set from the thread itself: Foundation then names the kernel thread too.
            Thread.current.name = name
            body()
        }
        thread.start()
    }
}

import Synchronization

/// The camera's status, written by its threads and read by the control plane.
final class CameraMonitor: Sendable {
    private let status: Mutex<CameraStatus>

    init(_ initial: CameraStatus) { status = Mutex(initial) }

    func update(_ change: (inout CameraStatus) -> Void) { status.withLock { change(&$0) } }

    var current: CameraStatus { status.withLock { $0 } }
}

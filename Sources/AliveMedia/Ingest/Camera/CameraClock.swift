import CFFmpeg
import Glibc

/// One session's time line: both tracks are placed on milliseconds since the session
/// started, each from the moment its first packet arrived, so audio and video from two
/// devices line up. For a lavfi source (which would run as fast as it is read) it also
/// paces delivery to that time line, as a real device does.
struct CameraClock: Sendable {
    let origin: ContinuousClock.Instant
    /// Sleep until each packet's time (a lavfi source in real time).
    let paced: Bool
    /// Place each track by when its first packet arrived (devices, paced sources); false
    /// starts both at 0 (a lavfi source run as fast as possible).
    let alignByArrival: Bool

    /// Where one stream's timestamps are on the session's time line.
    struct Track {
        var firstTimestamp: Int64?
        var offsetMilliseconds: Int64 = 0
        let timeBase: AVRational
    }

    /// The packet's place on the time line, in milliseconds (waits first when paced).
    func place(_ timestamp: Int64, on track: inout Track) -> Int64 {
        if track.firstTimestamp == nil {
            track.firstTimestamp = timestamp
            track.offsetMilliseconds = alignByArrival ? elapsedMilliseconds : 0
        }
        let milliseconds = track.offsetMilliseconds
            + av_rescale_q(timestamp - track.firstTimestamp!, track.timeBase, AVRational(num: 1, den: 1000))
        if paced {
            let ahead = milliseconds - elapsedMilliseconds
            if ahead > 0 { usleep(UInt32(min(ahead, 1000)) * 1000) }
        }
        return milliseconds
    }

    var elapsedMilliseconds: Int64 {
        let elapsed = ContinuousClock.now - origin
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}

import Foundation

/// The box's wall clock in Unix milliseconds, for what must survive a restart (when a
/// stream opened, its last activity). Never used for anything a chain checks: after a
/// power cut a board without a battery-backed clock may be behind until NTP answers.
enum WallClock {
    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// Bytes per second over the last few seconds, in one-second buckets (bounded: a fixed
/// number of buckets, whatever the traffic).
struct ThroughputMeter: Sendable, Equatable {
    private var buckets: [UInt64]
    private var bucketSecond: [Int64]
    let window: Int

    init(windowSeconds: Int = 5) {
        window = windowSeconds
        buckets = Array(repeating: 0, count: windowSeconds + 1)
        bucketSecond = Array(repeating: -1, count: windowSeconds + 1)
    }

    mutating func record(_ bytes: Int, atSecond second: Int64) {
        let index = Int(second % Int64(buckets.count))
        if bucketSecond[index] != second {
            bucketSecond[index] = second
            buckets[index] = 0
        }
        buckets[index] += UInt64(bytes)
    }

    /// Average over the last `window` complete seconds before `second`.
    func bitsPerSecond(atSecond second: Int64) -> Double {
        var total: UInt64 = 0
        for (index, bucket) in bucketSecond.enumerated() where bucket < second && bucket >= second - Int64(window) {
            total += buckets[index]
        }
        return Double(total) * 8 / Double(window)
    }
}

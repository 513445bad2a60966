import AliveTestSupport
import Foundation
import Synchronization
@testable import AliveMedia

/// Records the keyframes a segmenter hands its tap (on the segmenter's thread).
final class KeyframeRecorder: KeyframeTap {
    private let recorded = Mutex<[SegmentKeyframe]>([])
    func segmentStarted(with keyframe: SegmentKeyframe) { recorded.withLock { $0.append(keyframe) } }
    var keyframes: [SegmentKeyframe] { recorded.withLock { $0 } }
}

/// Looks at pictures the way an independent tool does: ffprobe for the format, ffmpeg's
/// own decoder for the pixels, compared as block averages (tolerant of JPEG loss, not of
/// a wrong, shifted, garbled or colour-swapped picture).
enum ThumbnailProbe {
    struct StreamInfo: Equatable {
        var codec: String
        var width: Int
        var height: Int
    }

    static func write(_ thumbnail: Thumbnail, name: String) throws -> URL {
        let url = TestScratch.directory("thumbnail").appendingPathComponent(name)
        try Data(thumbnail.jpeg.readableBytesView).write(to: url)
        return url
    }

    static func streamInfo(_ url: URL) throws -> StreamInfo {
        let output = try ExternalProcess.run("ffprobe", ["-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", url.path], timeout: 30)
        let fields = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
        guard output.status == 0, fields.count == 3, let width = Int(fields[1]), let height = Int(fields[2]) else {
            throw ExternalProcess.Failure(description: "ffprobe cannot read \(url.lastPathComponent): \(output.stderr)")
        }
        return StreamInfo(codec: fields[0], width: width, height: height)
    }

    /// The picture in `url` decoded by ffmpeg to RGB24; `filter` picks and sizes a frame of a video.
    static func rgb(_ url: URL, filter: String? = nil, width: Int, height: Int) throws -> [UInt8] {
        let output = TestScratch.directory("rgb").appendingPathComponent("frame.rgb")
        var arguments = ["-hide_banner", "-loglevel", "error", "-y", "-i", url.path]
        if let filter { arguments += ["-vf", filter] }
        arguments += ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", output.path]
        let run = try ExternalProcess.run("ffmpeg", arguments, timeout: 60)
        let bytes = [UInt8]((try? Data(contentsOf: output)) ?? Data())
        guard run.status == 0, bytes.count == width * height * 3 else {
            throw ExternalProcess.Failure(description: "ffmpeg gave \(bytes.count) bytes for \(width)x\(height) RGB from \(url.lastPathComponent): \(run.stderr)")
        }
        return bytes
    }

    /// Frame `number` (presentation order) of a video, decoded and scaled by ffmpeg.
    static func referenceFrame(_ video: URL, number: Int, width: Int, height: Int) throws -> [UInt8] {
        try rgb(video, filter: "select=eq(n\\,\(number)),scale=\(width):\(height)", width: width, height: height)
    }

    /// Largest and mean difference (0-255) between the per-channel averages of `block`-sized squares.
    static func blockDifference(_ a: [UInt8], _ b: [UInt8], width: Int, height: Int, block: Int = 40) -> (max: Double, mean: Double) {
        precondition(a.count == width * height * 3 && b.count == a.count)
        var largest = 0.0, total = 0.0, count = 0
        for top in stride(from: 0, through: height - block, by: block) {
            for left in stride(from: 0, through: width - block, by: block) {
                var sums = [Double](repeating: 0, count: 6)
                for y in top..<(top + block) {
                    for x in left..<(left + block) {
                        let offset = (y * width + x) * 3
                        for channel in 0..<3 {
                            sums[channel] += Double(a[offset + channel])
                            sums[channel + 3] += Double(b[offset + channel])
                        }
                    }
                }
                let area = Double(block * block)
                let difference = (0..<3).map { abs(sums[$0] - sums[$0 + 3]) / area }.max()!
                largest = max(largest, difference)
                total += difference
                count += 1
            }
        }
        return (largest, total / Double(count))
    }
}

import AliveMedia
import Foundation
import Logging
import NIOCore
import Synchronization

/// Prints what the keyframe thumbnail costs and shows it stays off the media path.
/// Usage: alived-bench-thumbnail FLV [runs, default 3] [segment seconds, default 2]
///   (bench/thumbnail builds it in release mode and makes the 1080p input.)
///
/// 1. One thumbnail (decode + scale to 640 px + JPEG) of each segment's keyframe, timed,
///    next to a reference measured in the same run: ffmpeg's CLI doing the same job on the
///    stream's first keyframe (`-threads 1`, `-benchmark` real time, process start excluded).
/// 2. The segmenter over the whole file, without and with the thumbnail service tapped in
///    (the service's queue then works concurrently), and the time spent inside the tap call.
@main
struct BenchThumbnail {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count > 1 else {
            FileHandle.standardError.write(Data("usage: alived-bench-thumbnail FLV [runs] [segment-seconds]\n".utf8))
            exit(64)
        }
        let flv = arguments[1]
        let runs = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 3) : 3
        let segmentSeconds = arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2
        var logger = Logger(label: "alived-bench-thumbnail")
        logger.logLevel = .error
        let inputs = try mediaInputs(ofFLV: flv)

        // 1. Thumbnail cost per keyframe.
        let recorder = RecordingTap()
        _ = segment(inputs, segmentSeconds: segmentSeconds, tap: recorder, logger: logger)
        let keyframes = recorder.keyframes
        guard let first = keyframes.first else { throw BenchFailure("no keyframe in \(flv)") }
        let anonymousBefore = anonymousKiB()
        let thumbnailer = Thumbnailer()
        defer { thumbnailer.close() }
        let clock = ContinuousClock()
        var cold = Duration.zero
        var warm: [Duration] = []
        var size = (0, 0, 0)
        for run in 0..<runs {
            for (index, keyframe) in keyframes.enumerated() {
                var thumbnail: Thumbnail?
                let elapsed = try clock.measure { thumbnail = try thumbnailer.thumbnail(of: keyframe) }
                if run == 0 && index == 0 { cold = elapsed } else { warm.append(elapsed) }
                if let thumbnail { size = (thumbnail.width, thumbnail.height, thumbnail.jpeg.readableBytes) }
            }
        }
        warm.sort()
        let anonymousHeld = anonymousKiB() - anonymousBefore
        let reference = try ffmpegReference(flv: flv, width: size.0, height: size.1)
        let p50 = milliseconds(warm[warm.count / 2])
        print("input: \(flv): \(keyframes.count) segments of \(segmentSeconds) s, keyframes \(first.packet.data.readableBytes / 1024) KiB (first)")
        print(String(format: "thumbnail %dx%d, %d bytes JPEG", size.0, size.1, size.2))
        print(String(format: "thumbnail (decode + scale + JPEG), %d warm: p50 %.2f ms  p90 %.2f ms  max %.2f ms; first (opens the decoder) %.2f ms",
                     warm.count, p50, milliseconds(warm[warm.count * 9 / 10]), milliseconds(warm.last!), milliseconds(cold)))
        print(String(format: "reference ffmpeg CLI, same job on the first keyframe (-threads 1, rtime, opens its decoder too): %.2f ms  -> ratio first/reference %.2f, p50/reference %.2f",
                     reference, milliseconds(cold) / reference, p50 / reference))
        print(String(format: "anonymous memory held by the open thumbnailer between keyframes (decoder, scaler, encoder, buffer pools): %.1f MiB", Double(anonymousHeld) / 1024))
        print(String(format: "one thumbnail per %d s segment: %.2f%% of one core", segmentSeconds, p50 / Double(segmentSeconds * 10)))

        // 2. The media path with and without the tap.
        var plain: [Duration] = []
        var tapped: [Duration] = []
        var tapCalls: [Duration] = []
        var firstCalls: [Duration] = []
        var served: ThumbnailService.Counters?
        for _ in 0..<runs {
            plain.append(clock.measure { _ = segment(inputs, segmentSeconds: segmentSeconds, tap: nil, logger: logger) })
            let service = ThumbnailService(logger: logger)
            let timing = TimingTap(forwardingTo: service)
            tapped.append(clock.measure { _ = segment(inputs, segmentSeconds: segmentSeconds, tap: timing, logger: logger) })
            tapCalls += timing.durations.dropFirst()
            firstCalls += timing.durations.prefix(1)
            // Every keyframe ends made, failed or replaced: wait (bounded) for the queue to finish.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, service.counters.thumbnailsMade + service.counters.failures + service.counters.keyframesReplaced < service.counters.keyframesReceived {
                try await Task.sleep(for: .milliseconds(5))
            }
            served = service.counters
            await service.close()
        }
        plain.sort()
        tapped.sort()
        tapCalls.sort()
        let plainMs = milliseconds(plain[plain.count / 2]), tappedMs = milliseconds(tapped[tapped.count / 2])
        print(String(format: "segmenter over the whole file (as fast as it goes), median of %d: no tap %.1f ms, tapped %.1f ms -> ratio %.3f",
                     runs, plainMs, tappedMs, tappedMs / plainMs))
        print(String(format: "tap call on the segmenter's thread: p50 %.1f µs, p99 %.1f µs, max %.1f µs (%d calls); the first call of each service (libdispatch starts the queue's thread): max %.1f µs",
                     microseconds(tapCalls[tapCalls.count / 2]), microseconds(tapCalls[tapCalls.count * 99 / 100]), microseconds(tapCalls.last!),
                     tapCalls.count, microseconds(firstCalls.max() ?? .zero)))
        if let served {
            print("thumbnail queue during the flat-out run (last run): \(served.keyframesReceived) keyframes, \(served.thumbnailsMade) thumbnails, \(served.keyframesReplaced) replaced by newer ones (latest-only), \(served.failures) failures")
        }
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
    }

    /// RssAnon of this process (Linux), KiB.
    static func anonymousKiB() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    static func microseconds(_ duration: Duration) -> Double { milliseconds(duration) * 1e3 }

    /// Runs a segmenter over `inputs` on this thread (what its queue does), into a fresh ring.
    static func segment(_ inputs: [MediaInput], segmentSeconds: Int, tap: (any KeyframeTap)?, logger: Logger) -> Int {
        let ring = SegmentRing(configuration: .init(budgetBytes: 256 << 20, playlistWindow: 1000))
        let segmenter = Segmenter(configuration: .init(targetDurationSeconds: segmentSeconds), ring: ring, logger: logger, keyframeTap: tap)
        for input in inputs { segmenter.handle(input) }
        segmenter.finish()
        return ring.playlistSegments().count
    }

    /// The FLV file's tags as the ingest would hand them over.
    static func mediaInputs(ofFLV path: String) throws -> [MediaInput] {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count >= 13, data.starts(with: Array("FLV".utf8)) else { throw BenchFailure("\(path) is not an FLV file") }
        let mapper = FLVMediaMapper()
        var inputs: [MediaInput] = [.publishStarted]
        var offset = (Int(data[5]) << 24 | Int(data[6]) << 16 | Int(data[7]) << 8 | Int(data[8])) + 4
        while offset + 11 <= data.count {
            let type = data[offset] & 0x1F
            let size = Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let timestamp = Int64(data[offset + 7]) << 24 | Int64(data[offset + 4]) << 16 | Int64(data[offset + 5]) << 8 | Int64(data[offset + 6])
            guard offset + 11 + size <= data.count else { break }
            let body = ByteBuffer(bytes: data[(offset + 11)..<(offset + 11 + size)])
            let outcome: FLVMediaMapper.Outcome = type == 9 ? mapper.video(timestamp: timestamp, payload: body)
                : type == 8 ? mapper.audio(timestamp: timestamp, payload: body) : .skip
            if case .input(let input) = outcome { inputs.append(input) }
            offset += 11 + size + 4
        }
        inputs.append(.publishEnded)
        return inputs
    }

    /// ffmpeg decoding the first keyframe, scaling it and encoding one JPEG: its own real-time figure, best of 5.
    static func ffmpegReference(flv: String, width: Int, height: Int) throws -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
            process.arguments = ["-hide_banner", "-nostdin", "-benchmark", "-threads", "1", "-i", flv, "-an", "-frames:v", "1",
                                 "-vf", "scale=\(width):\(height):flags=bilinear", "-q:v", "5", "-threads", "1", "-f", "mjpeg", "-y", "/dev/null"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let range = text.range(of: #"rtime=([0-9.]+)s"#, options: .regularExpression) else {
                throw BenchFailure("ffmpeg reference failed: \(text.suffix(500))")
            }
            let seconds = Double(text[range].dropFirst("rtime=".count).dropLast()) ?? .infinity
            best = min(best, seconds * 1000)
        }
        return best
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects the keyframes the segmenter hands out.
final class RecordingTap: KeyframeTap {
    private let recorded = Mutex<[SegmentKeyframe]>([])
    func segmentStarted(with keyframe: SegmentKeyframe) { recorded.withLock { $0.append(keyframe) } }
    var keyframes: [SegmentKeyframe] { recorded.withLock { $0 } }
}

/// Forwards to the real tap and records how long each call held the segmenter's thread.
final class TimingTap: KeyframeTap {
    private let next: any KeyframeTap
    private let recorded = Mutex<[Duration]>([])

    init(forwardingTo next: any KeyframeTap) { self.next = next }

    func segmentStarted(with keyframe: SegmentKeyframe) {
        let elapsed = ContinuousClock().measure { next.segmentStarted(with: keyframe) }
        recorded.withLock { $0.append(elapsed) }
    }

    var durations: [Duration] { recorded.withLock { $0 } }
}

import AliveTestSupport
import Foundation
import NIOCore
@testable import AliveMedia

/// Writes what is in a ring to a folder (segments + playlist) and reads it back with ffprobe,
/// the way a player would.
struct SegmentProbe {
    struct Packet {
        var isVideo: Bool
        var pts: Double
        var dts: Double
        var duration: Double
        var isKeyframe: Bool
    }

    static func dump(_ ring: SegmentRing, segments: [Segment], to directory: URL, targetSeconds: Int) throws -> URL {
        for segment in segments {
            guard let lease = ring.lease(segment.sequence) else { throw ExternalProcess.Failure(description: "segment \(segment.sequence) left the ring") }
            try Data(lease.bytes()).write(to: directory.appendingPathComponent("\(segment.sequence).ts"))
        }
        let playlist = directory.appendingPathComponent("live.m3u8")
        // ENDLIST: read offline as a finished recording, not polled as a live playlist.
        try (LivePlaylist.render(segments: segments, targetDurationSeconds: targetSeconds) + "#EXT-X-ENDLIST\n").write(to: playlist, atomically: true, encoding: .utf8)
        return playlist
    }

    /// Every packet of `url` (a .ts or an .m3u8), in file order.
    static func packets(_ url: URL) throws -> [Packet] {
        let output = try ExternalProcess.run("ffprobe", [
            "-v", "error", "-allowed_extensions", "ALL",
            "-show_entries", "packet=codec_type,pts_time,dts_time,duration_time,flags", "-of", "csv=p=0", url.path,
        ], timeout: 60)
        guard output.status == 0 else { throw ExternalProcess.Failure(description: "ffprobe failed on \(url.lastPathComponent): \(output.stderr)") }
        return output.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5 else { return nil }
            return Packet(isVideo: fields[0] == "video", pts: Double(fields[1]) ?? .nan, dts: Double(fields[2]) ?? .nan,
                          duration: Double(fields[3]) ?? 0, isKeyframe: fields[4].hasPrefix("K"))
        }
    }

    /// Decodes every frame; returns ffprobe's error output (empty when clean) and the frame count.
    static func decode(_ url: URL) throws -> (errors: String, videoFrames: Int) {
        let output = try ExternalProcess.run("ffprobe", [
            "-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url.path,
        ], timeout: 60)
        // ffprobe prints the stream once per program and once alone: take the first count.
        let count = output.stdout.split(separator: "\n").lazy.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.first
        return (output.stderr, count ?? 0)
    }
}

/// Feeds FLV tags through the mapper into a segmenter, synchronously.
struct SegmenterHarness {
    let ring: SegmentRing
    let segmenter: Segmenter
    let mapper = FLVMediaMapper()

    init(targetSeconds: Int, ringBytes: Int = 64 << 20, window: Int = 1000, keyframeTap: (any KeyframeTap)? = nil) {
        ring = SegmentRing(configuration: .init(budgetBytes: ringBytes, playlistWindow: window))
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        segmenter = Segmenter(configuration: .init(targetDurationSeconds: targetSeconds), ring: ring, logger: logger, keyframeTap: keyframeTap)
    }

    func publish(_ tags: [FLVFileReader.Tag], metadata: StreamMetadata?) {
        segmenter.handle(.publishStarted)
        if let metadata { segmenter.handle(.metadata(metadata)) }
        for tag in tags {
            let payload = ByteBuffer(bytes: tag.body)
            let outcome: FLVMediaMapper.Outcome
            switch tag.type {
            case 8: outcome = mapper.audio(timestamp: tag.timestamp, payload: payload)
            case 9: outcome = mapper.video(timestamp: tag.timestamp, payload: payload)
            default: continue
            }
            if case .input(let input) = outcome { segmenter.handle(input) }
        }
        segmenter.handle(.publishEnded)
    }
}

import Logging

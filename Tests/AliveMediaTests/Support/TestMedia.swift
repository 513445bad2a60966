import AliveTestSupport
import Foundation

/// Synthetic media made by ffmpeg's CLI (lavfi testsrc2 + sine, libx264 + AAC), cached per run.
enum TestMedia {
    static let directory: URL = {
        TestScratch.directory("media")
    }()

    /// An FLV file: `seconds` long, `size` (320x240 by default) at `fps`, a keyframe every `gop` frames.
    static func flv(seconds: Int, fps: Int = 30, gop: Int = 30, audio: Bool = true, video: Bool = true, size: String = "320x240", name: String? = nil) throws -> URL {
        let sizeTag = size == "320x240" ? "" : "-\(size)"
        let file = directory.appendingPathComponent(name ?? "test-\(seconds)s-\(fps)fps-g\(gop)-a\(audio)-v\(video)\(sizeTag).flv")
        if FileManager.default.fileExists(atPath: file.path) { return file }
        try ExternalProcess.run("ffmpeg", encodeArguments(seconds: seconds, fps: fps, gop: gop, audio: audio, video: video, size: size) + ["-f", "flv", file.path])
        return file
    }

    static func encodeArguments(seconds: Int, fps: Int = 30, gop: Int = 30, audio: Bool = true, video: Bool = true, size: String = "320x240") -> [String] {
        var arguments = ["-hide_banner", "-loglevel", "error", "-y"]
        if video { arguments += ["-f", "lavfi", "-i", "testsrc2=size=\(size):rate=\(fps):duration=\(seconds)"] }
        if audio { arguments += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=\(seconds)"] }
        if video { arguments += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "\(gop)", "-keyint_min", "\(gop)", "-sc_threshold", "0", "-pix_fmt", "yuv420p"] }
        if audio { arguments += ["-c:a", "aac", "-b:a", "64k"] }
        return arguments
    }
}

/// Reads the tags of an FLV file (what an RTMP publisher would send as messages).
struct FLVFileReader {
    struct Tag {
        var type: UInt8
        var timestamp: Int64
        var body: [UInt8]
    }

    static func tags(of url: URL) throws -> [Tag] {
        let data = [UInt8](try Data(contentsOf: url))
        guard data.count >= 13, data[0] == 0x46, data[1] == 0x4C, data[2] == 0x56 else { throw ExternalProcess.Failure(description: "not an FLV file") }
        let headerSize = Int(data[5]) << 24 | Int(data[6]) << 16 | Int(data[7]) << 8 | Int(data[8])
        var offset = headerSize + 4
        var tags: [Tag] = []
        while offset + 11 <= data.count {
            let type = data[offset] & 0x1F
            let size = Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8 | Int(data[offset + 3])
            let timestamp = Int64(data[offset + 7]) << 24 | Int64(data[offset + 4]) << 16 | Int64(data[offset + 5]) << 8 | Int64(data[offset + 6])
            guard offset + 11 + size <= data.count else { break }
            tags.append(Tag(type: type, timestamp: timestamp, body: Array(data[(offset + 11)..<(offset + 11 + size)])))
            offset += 11 + size + 4
        }
        return tags
    }
}

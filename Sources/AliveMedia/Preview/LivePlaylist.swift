/// Renders the live HLS media playlist (RFC 8216) for the segments the ring names.
public enum LivePlaylist {
    /// - Parameters:
    ///   - segments: contiguous in sequence, oldest first (`SegmentRing.playlistSegments()`).
    ///   - targetDurationSeconds: the configured segment length; raised if a segment ran longer,
    ///     as RFC 8216 requires every rounded `#EXTINF` to be at most the target.
    ///   - uri: how a segment is named in the playlist.
    public static func render(segments: [Segment], targetDurationSeconds: Int, uri: (Segment) -> String = { "\($0.sequence).ts" }) -> String {
        let longest = segments.map { Int(($0.durationSeconds).rounded()) }.max() ?? 0
        let target = max(targetDurationSeconds, longest)
        let mediaSequence = segments.first?.sequence ?? 0
        // Discontinuities that already slid out of the window before the first segment.
        let discontinuitySequence = segments.first.map { $0.discontinuityCount - ($0.discontinuity ? 1 : 0) } ?? 0

        var lines = [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            "#EXT-X-TARGETDURATION:\(target)",
            "#EXT-X-MEDIA-SEQUENCE:\(mediaSequence)",
        ]
        if discontinuitySequence > 0 { lines.append("#EXT-X-DISCONTINUITY-SEQUENCE:\(discontinuitySequence)") }
        for segment in segments {
            if segment.discontinuity { lines.append("#EXT-X-DISCONTINUITY") }
            lines.append("#EXTINF:\(formatSeconds(segment.durationMilliseconds)),")
            lines.append(uri(segment))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Milliseconds as seconds with exactly three decimals, without floating-point noise.
    public static func formatSeconds(_ milliseconds: Int64) -> String {
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

import Foundation
import NIOCore

/// One JPEG picture of the stream: the keyframe a segment started with, scaled down.
public struct Thumbnail: Sendable {
    /// A complete JFIF image (baseline JPEG from libavcodec's MJPEG encoder).
    public var jpeg: ByteBuffer
    public var width: Int
    public var height: Int
    /// The keyframe's presentation time on the segmenter's output timeline: the start of
    /// the segment it opened (`Segment.startMilliseconds`).
    public var segmentStartMilliseconds: Int64
    /// The keyframe's timestamp on the publisher's own clock (milliseconds since its publish began).
    public var sourceTimestampMilliseconds: Int64
    /// When the JPEG was made (wall clock, for `Last-Modified` and "n seconds ago").
    public var createdAt: Date

    public init(jpeg: ByteBuffer, width: Int, height: Int, segmentStartMilliseconds: Int64, sourceTimestampMilliseconds: Int64, createdAt: Date) {
        self.jpeg = jpeg
        self.width = width
        self.height = height
        self.segmentStartMilliseconds = segmentStartMilliseconds
        self.sourceTimestampMilliseconds = sourceTimestampMilliseconds
        self.createdAt = createdAt
    }
}

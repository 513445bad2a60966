/// The media path of the box: ingest (RTMP), segmenter (libavformat), segment ring.
public enum AliveMedia {
    public static let version = "0.1.0"
}

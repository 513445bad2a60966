/// alived's extension to Alive Protocol: the first segment after a break in the stream
/// (segments lost before they were stored, an encoder that reconnected, a box that
/// restarted) is marked, so a consumer rebuilding the playlist writes
/// `#EXT-X-DISCONTINUITY` before it instead of playing across a jump in the timestamps.
///
/// The protocol has no field for it; the mark is placed where the reference consumers,
/// which do not know it, read the stream exactly as before:
/// - a chunk line, and Avalon's single-segment string, get a third CSV field:
///   `<hash>,<len>,d` (HAlive splits a line on commas and reads the first two fields;
///   Avalon checks only the string's length);
/// - a Hive op 0 carrying a single segment gets `"disc":1` after `len` (HAlive copies
///   only the payload fields it knows);
/// - AliveDB items carry no mark: its validator refuses unknown keys in `stream`, and
///   an item expires within minutes, once the ledger push that carries the mark is out.
/// Nothing changes for a stream without breaks.
public enum AliveDiscontinuity {
    /// The third field of a chunk line (or Avalon string) that marks the segment.
    public static let chunkField = "d"
    /// The op 0 payload key that marks a single segment (value 1).
    public static let payloadKey = "disc"
}

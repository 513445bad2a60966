/// Limits on everything an RTMP peer controls.
///
/// Each limit is checked as soon as the header that carries the value arrives, before any
/// body bytes are buffered, so a hostile or broken peer cannot make the box allocate more
/// than these figures per connection.
public struct RTMPLimits: Sendable, Equatable {
    /// Largest chunk size the peer may announce with Set Chunk Size. A value of 0, a value with
    /// the top bit set, or a value above this is a protocol error.
    public var maxChunkSize: Int
    /// Largest message the peer may announce in a chunk message header.
    public var maxMessageLength: Int
    /// Number of distinct chunk stream ids the decoder keeps header state for.
    public var maxChunkStreams: Int
    /// Total declared length of all partially assembled messages across chunk streams.
    public var maxBufferedBytes: Int
    /// Deepest nesting of AMF0 objects / arrays in one decode call.
    public var maxAMFDepth: Int
    /// Most AMF0 values (nested ones included) in one decode call.
    public var maxAMFItems: Int

    public init(
        maxChunkSize: Int = 65_536,
        maxMessageLength: Int = 8 * 1024 * 1024,
        maxChunkStreams: Int = 32,
        maxBufferedBytes: Int = 16 * 1024 * 1024,
        maxAMFDepth: Int = 16,
        maxAMFItems: Int = 4096
    ) {
        self.maxChunkSize = maxChunkSize
        self.maxMessageLength = maxMessageLength
        self.maxChunkStreams = maxChunkStreams
        self.maxBufferedBytes = maxBufferedBytes
        self.maxAMFDepth = maxAMFDepth
        self.maxAMFItems = maxAMFItems
    }

    public static let `default` = RTMPLimits()

    /// What a peer may hold before its publish is accepted: enough for every command an
    /// encoder sends (connect is a few hundred bytes), far too little to matter if sixteen
    /// strangers each take it. The stream key raises the limits to `self`.
    public var beforePublish: RTMPLimits {
        RTMPLimits(maxChunkSize: min(maxChunkSize, 65_536), maxMessageLength: min(maxMessageLength, 65_536),
                   maxChunkStreams: min(maxChunkStreams, 8), maxBufferedBytes: min(maxBufferedBytes, 65_536),
                   maxAMFDepth: maxAMFDepth, maxAMFItems: maxAMFItems)
    }
}

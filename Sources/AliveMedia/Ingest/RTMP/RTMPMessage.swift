import NIOCore

/// One complete RTMP message, reassembled from (or to be split into) chunks.
public struct RTMPMessage: Sendable, Equatable {
    /// Chunk stream the message travelled on (2...65_599).
    public var chunkStreamID: UInt32
    /// Message type, one of the `RTMPMessageType` constants.
    public var typeID: UInt8
    /// Message stream (0 for connection-level messages, the id from createStream for media).
    public var messageStreamID: UInt32
    /// Absolute timestamp in milliseconds: extended timestamps applied and deltas accumulated
    /// (wrapping at 2^32 as the protocol does).
    public var timestamp: UInt32
    public var payload: ByteBuffer

    public init(chunkStreamID: UInt32, typeID: UInt8, messageStreamID: UInt32, timestamp: UInt32, payload: ByteBuffer) {
        self.chunkStreamID = chunkStreamID
        self.typeID = typeID
        self.messageStreamID = messageStreamID
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// RTMP message type ids (RTMP specification 1.0, sections 5.4 and 7.1).
public enum RTMPMessageType {
    public static let setChunkSize: UInt8 = 1
    public static let abort: UInt8 = 2
    public static let acknowledgement: UInt8 = 3
    public static let userControl: UInt8 = 4
    public static let windowAckSize: UInt8 = 5
    public static let setPeerBandwidth: UInt8 = 6
    public static let audio: UInt8 = 8
    public static let video: UInt8 = 9
    public static let dataAMF3: UInt8 = 15
    public static let sharedObjectAMF3: UInt8 = 16
    public static let commandAMF3: UInt8 = 17
    public static let dataAMF0: UInt8 = 18
    public static let sharedObjectAMF0: UInt8 = 19
    public static let commandAMF0: UInt8 = 20
    public static let aggregate: UInt8 = 22
}

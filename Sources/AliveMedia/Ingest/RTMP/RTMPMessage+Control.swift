import NIOCore

/// Builders for the protocol control and user control messages a server sends.
///
/// Protocol control messages travel on chunk stream 2 and message stream 0 (RTMP 1.0, 5.4).
extension RTMPMessage {
    /// Chunk stream reserved for protocol control messages.
    public static let controlChunkStreamID: UInt32 = 2

    /// User control event type "Stream Begin" (RTMP 1.0, 7.1.7).
    public static let userControlStreamBegin: UInt16 = 0

    /// Set Chunk Size (type 1). Send it, then change `RTMPChunkEncoder.chunkSize`.
    public static func setChunkSize(_ size: UInt32) -> RTMPMessage {
        control(type: RTMPMessageType.setChunkSize) { $0.writeInteger(size & 0x7FFF_FFFF) }
    }

    /// Window Acknowledgement Size (type 5): how many bytes the peer may send before expecting an Acknowledgement.
    public static func windowAcknowledgementSize(_ size: UInt32) -> RTMPMessage {
        control(type: RTMPMessageType.windowAckSize) { $0.writeInteger(size) }
    }

    /// Set Peer Bandwidth (type 6); `limitType` is 0 hard, 1 soft, 2 dynamic.
    public static func setPeerBandwidth(_ size: UInt32, limitType: UInt8) -> RTMPMessage {
        control(type: RTMPMessageType.setPeerBandwidth) {
            $0.writeInteger(size)
            $0.writeInteger(limitType)
        }
    }

    /// Acknowledgement (type 3) carrying the number of bytes received so far (`RTMPChunkDecoder.bytesReceived`, truncated to 32 bits).
    public static func acknowledgement(sequenceNumber: UInt32) -> RTMPMessage {
        control(type: RTMPMessageType.acknowledgement) { $0.writeInteger(sequenceNumber) }
    }

    /// User Control (type 4) event Stream Begin for `streamID`.
    public static func streamBegin(streamID: UInt32) -> RTMPMessage {
        control(type: RTMPMessageType.userControl) {
            $0.writeInteger(userControlStreamBegin)
            $0.writeInteger(streamID)
        }
    }

    /// An AMF0 command message (type 20), e.g. `_result` or `onStatus`.
    public static func command(_ values: [AMF0Value], chunkStreamID: UInt32 = 3, messageStreamID: UInt32 = 0) -> RTMPMessage {
        var payload = ByteBuffer()
        AMF0Encoder.encode(values, into: &payload)
        return RTMPMessage(
            chunkStreamID: chunkStreamID,
            typeID: RTMPMessageType.commandAMF0,
            messageStreamID: messageStreamID,
            timestamp: 0,
            payload: payload
        )
    }

    private static func control(type: UInt8, _ write: (inout ByteBuffer) -> Void) -> RTMPMessage {
        var payload = ByteBuffer()
        write(&payload)
        return RTMPMessage(
            chunkStreamID: controlChunkStreamID,
            typeID: type,
            messageStreamID: 0,
            timestamp: 0,
            payload: payload
        )
    }
}

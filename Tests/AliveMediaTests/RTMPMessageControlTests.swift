import NIOCore
import Testing
@testable import AliveMedia

@Suite("RTMPMessage control builders")
struct RTMPMessageControlTests {
    private func expectControl(_ message: RTMPMessage, type: UInt8, payload: [UInt8]) {
        #expect(message.chunkStreamID == 2)
        #expect(message.messageStreamID == 0)
        #expect(message.timestamp == 0)
        #expect(message.typeID == type)
        #expect(message.payload.bytes == payload)
    }

    @Test("Set Chunk Size: type 1, 31-bit big-endian size")
    func setChunkSize() {
        expectControl(.setChunkSize(4096), type: 1, payload: [0x00, 0x00, 0x10, 0x00])
        expectControl(.setChunkSize(0xFFFF_FFFF), type: 1, payload: [0x7F, 0xFF, 0xFF, 0xFF])
    }

    @Test("Window Acknowledgement Size: type 5")
    func windowAcknowledgementSize() {
        expectControl(.windowAcknowledgementSize(2_500_000), type: 5, payload: [0x00, 0x26, 0x25, 0xA0])
    }

    @Test("Set Peer Bandwidth: type 6, size and limit type")
    func setPeerBandwidth() {
        expectControl(.setPeerBandwidth(2_500_000, limitType: 2), type: 6, payload: [0x00, 0x26, 0x25, 0xA0, 0x02])
    }

    @Test("Acknowledgement: type 3")
    func acknowledgement() {
        expectControl(.acknowledgement(sequenceNumber: 0x0102_0304), type: 3, payload: [1, 2, 3, 4])
    }

    @Test("Stream Begin: user control type 4, event 0, stream id")
    func streamBegin() {
        expectControl(.streamBegin(streamID: 1), type: 4, payload: [0, 0, 0, 0, 0, 1])
    }

    @Test("command: type 20 with AMF0 values on chunk stream 3 by default")
    func command() {
        let message = RTMPMessage.command([.string("_result"), .number(1), .null])
        #expect(message.chunkStreamID == 3)
        #expect(message.messageStreamID == 0)
        #expect(message.typeID == 20)
        #expect(message.payload.bytes == [
            0x02, 0x00, 0x07, 0x5F, 0x72, 0x65, 0x73, 0x75, 0x6C, 0x74,
            0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
            0x05,
        ])
        let onStatus = RTMPMessage.command([.string("onStatus")], chunkStreamID: 5, messageStreamID: 1)
        #expect(onStatus.chunkStreamID == 5)
        #expect(onStatus.messageStreamID == 1)
    }
}

import AliveMedia
import NIOCore

/// Limits small enough that random inputs reach every limit check.
private let fuzzLimits = RTMPLimits(maxChunkSize: 4096, maxMessageLength: 2048, maxChunkStreams: 4, maxBufferedBytes: 3000, maxAMFDepth: 4, maxAMFItems: 64)

/// libFuzzer entry point. The first byte picks the parser; the rest is its input.
/// Any error other than `RTMPProtocolError`, and any broken invariant, is a crash libFuzzer reports.
@_cdecl("LLVMFuzzerTestOneInput")
public func rtmpFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let selector = input.first else { return 0 }
    let body = ByteBuffer(bytes: input.dropFirst())
    do {
        switch selector % 5 {
        case 0:
            try fuzzChunkDecoder(body, piece: Int(selector / 5) + 1)
        case 1:
            let values = try AMF0Decoder(limits: fuzzLimits).decodeAll(body)
            var once = ByteBuffer()
            AMF0Encoder.encode(values, into: &once)
            var twice = ByteBuffer()
            AMF0Encoder.encode(try AMF0Decoder().decodeAll(once), into: &twice)
            precondition(once == twice, "AMF0 re-encoding is not stable")
        case 2:
            let tag = try FLVVideoTag(parsing: body)
            precondition(tag.data.readableBytes < max(1, body.readableBytes))
        case 3:
            let tag = try FLVAudioTag(parsing: body)
            precondition(tag.data.readableBytes < max(1, body.readableBytes))
        default:
            var handshake = RTMPHandshake()
            var buffer = body
            while case .send = try handshake.feed(&buffer) {}
        }
    } catch is RTMPProtocolError {
        return 0
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    return 0
}

/// Feeds `body` in pieces of `piece` bytes, checking the decoder's invariants.
private func fuzzChunkDecoder(_ body: ByteBuffer, piece: Int) throws {
    var decoder = RTMPChunkDecoder(limits: fuzzLimits)
    var source = body
    var pending = ByteBuffer()
    var messages = 0
    while var slice = source.readSlice(length: min(piece, source.readableBytes)), slice.readableBytes > 0 {
        pending.writeBuffer(&slice)
        while let message = try decoder.next(from: &pending) {
            messages += 1
            precondition(messages <= body.readableBytes, "more messages than input bytes")
            precondition(message.payload.readableBytes <= fuzzLimits.maxMessageLength)
            precondition(message.typeID != RTMPMessageType.setChunkSize && message.typeID != RTMPMessageType.abort)
        }
        precondition(pending.readableBytes < 18, "more than an incomplete chunk header left unconsumed")
    }
    precondition(decoder.bytesReceived == UInt64(body.readableBytes - pending.readableBytes))
}

// SwiftPM links executables with `--defsym main=RTMPFuzz_main` (so tests can import them), and
// `-parse-as-library` leaves that symbol undefined. Defining it here and handing control to
// libFuzzer's driver keeps `swift build` usable for the fuzzer.
@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("RTMPFuzz_main")
public func rtmpFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments = argv
    return llvmFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return rtmpFuzzOneInput(data, size)
    }
}

import NIOCore

/// Reassembles RTMP messages from the incoming chunk stream (RTMP 1.0, 5.3).
///
/// Handles all four chunk header formats, 1/2/3-byte basic headers, extended timestamps
/// (also when repeated on format 3 continuation chunks, as ffmpeg, librtmp and OBS send them),
/// interleaved chunk streams and bytes arriving in any split. Set Chunk Size and Abort are
/// applied here and not returned. Every value the peer controls is checked against
/// `RTMPLimits` as soon as the header carrying it is complete, before body bytes are buffered.
///
/// Pure value type: no I/O, no locks. After it throws, the decoder stays failed; the caller
/// closes the connection.
public struct RTMPChunkDecoder: Sendable {
    /// Header state one chunk stream id keeps between chunks, and its partially assembled message.
    private struct ChunkStream {
        var messageLength: Int
        var typeID: UInt8
        var messageStreamID: UInt32
        /// Absolute timestamp of the latest message started on this chunk stream.
        var timestamp: UInt32
        /// Delta a format 3 header starting a new message adds (for a format 0 header this is its
        /// absolute timestamp, as the specification and ffmpeg have it).
        var timestampDelta: UInt32
        /// Whether the latest format 0/1/2 header used the extended timestamp field; format 3
        /// chunks then carry (or, on continuation chunks, may carry) the 4 extended bytes too.
        var usesExtendedTimestamp: Bool
        /// The last extended timestamp value read on this chunk stream.
        var extendedTimestamp: UInt32
        /// Payload received so far of the message in progress; nil when no message is in progress.
        var partialPayload: ByteBuffer?
    }

    private enum State {
        case waitingForChunkHeader
        /// Inside the body of a chunk: `remaining` payload bytes of this chunk are still to come.
        case readingChunkBody(chunkStreamID: UInt32, remaining: Int)
        case failed
    }

    /// A complete chunk header, parsed without consuming it.
    private struct ParsedHeader {
        var format: UInt8
        var chunkStreamID: UInt32
        var byteCount: Int
        var timestampField: UInt32
        var messageLength: Int
        var typeID: UInt8
        var messageStreamID: UInt32
        /// Extended timestamp bytes that are part of this header, if any.
        var extendedTimestamp: UInt32?
    }

    /// Raised by the connection once a publish is accepted (`RTMPLimits.beforePublish` until then).
    public var limits: RTMPLimits
    /// Every byte consumed from the peer (headers and payload), for Acknowledgement messages.
    public private(set) var bytesReceived: UInt64 = 0
    /// Current incoming chunk size; starts at 128, changed by the peer's Set Chunk Size.
    public private(set) var chunkSize: Int = RTMPChunkHeader.defaultChunkSize

    private var state: State = .waitingForChunkHeader
    private var chunkStreams: [UInt32: ChunkStream] = [:]
    /// Sum of the declared lengths of all messages in progress (checked against `maxBufferedBytes`).
    private var reservedBytes = 0

    /// What the messages in progress may grow to: their declared lengths (the peer's held memory).
    public var bufferedBytes: Int { reservedBytes }

    public init(limits: RTMPLimits = .default) {
        self.limits = limits
    }

    /// Consumes as many bytes as it can from `buffer`; returns the next complete message,
    /// or nil when more bytes are needed (then every readable byte has been consumed, except
    /// an incomplete chunk header, fewer than 18 bytes, which stays in `buffer`).
    public mutating func next(from buffer: inout ByteBuffer) throws -> RTMPMessage? {
        if case .failed = state {
            throw RTMPProtocolError.decoderFailedEarlier
        }
        do {
            while true {
                switch state {
                case .failed:
                    throw RTMPProtocolError.decoderFailedEarlier
                case .waitingForChunkHeader:
                    guard let header = try peekHeader(in: buffer) else { return nil }
                    buffer.moveReaderIndex(forwardBy: header.byteCount)
                    bytesReceived &+= UInt64(header.byteCount)
                    let remaining = try apply(header)
                    if remaining == 0, let message = try completeMessage(on: header.chunkStreamID) {
                        return message
                    } else if remaining > 0 {
                        state = .readingChunkBody(chunkStreamID: header.chunkStreamID, remaining: remaining)
                    }
                case .readingChunkBody(let chunkStreamID, let remaining):
                    let count = min(remaining, buffer.readableBytes)
                    guard count > 0 else { return nil }
                    appendBody(from: &buffer, count: count, to: chunkStreamID)
                    if count < remaining {
                        state = .readingChunkBody(chunkStreamID: chunkStreamID, remaining: remaining - count)
                        return nil
                    }
                    state = .waitingForChunkHeader
                    if let message = try completeMessage(on: chunkStreamID) {
                        return message
                    }
                }
            }
        } catch {
            state = .failed
            throw error
        }
    }

    // MARK: header

    /// Parses the chunk header at the reader index without consuming it; nil when incomplete.
    /// Throws as soon as the bytes available show a limit violation or malformed header.
    private func peekHeader(in buffer: ByteBuffer) throws -> ParsedHeader? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        let format = first >> 6
        var index = start + 1
        var chunkStreamID = UInt32(first & 0x3F)
        switch chunkStreamID {
        case 0:
            guard let byte = buffer.getInteger(at: index, as: UInt8.self) else { return nil }
            chunkStreamID = 64 + UInt32(byte)
            index += 1
        case 1:
            guard let low = buffer.getInteger(at: index, as: UInt8.self),
                  let high = buffer.getInteger(at: index + 1, as: UInt8.self)
            else { return nil }
            chunkStreamID = 64 + UInt32(low) + UInt32(high) * 256
            index += 2
        default:
            break
        }

        let stream = chunkStreams[chunkStreamID]
        if let stream {
            if format != 3, stream.partialPayload != nil {
                throw RTMPProtocolError.messageHeaderInsideMessage(chunkStreamID: chunkStreamID, format: format)
            }
        } else {
            if format != 0 {
                throw RTMPProtocolError.chunkStreamNotStarted(chunkStreamID: chunkStreamID, format: format)
            }
            if chunkStreams.count >= limits.maxChunkStreams {
                throw RTMPProtocolError.tooManyChunkStreams(limit: limits.maxChunkStreams)
            }
        }

        guard buffer.writerIndex - index >= RTMPChunkHeader.messageHeaderSize(format: format) else { return nil }
        var header = ParsedHeader(
            format: format,
            chunkStreamID: chunkStreamID,
            byteCount: 0,
            timestampField: 0,
            messageLength: stream?.messageLength ?? 0,
            typeID: stream?.typeID ?? 0,
            messageStreamID: stream?.messageStreamID ?? 0,
            extendedTimestamp: nil
        )
        if format <= 2 {
            header.timestampField = buffer.getUInt24(at: index)!
            index += 3
        }
        if format <= 1 {
            header.messageLength = Int(buffer.getUInt24(at: index)!)
            header.typeID = buffer.getInteger(at: index + 3, as: UInt8.self)!
            index += 4
            if header.messageLength > limits.maxMessageLength {
                throw RTMPProtocolError.messageTooLong(header.messageLength, limit: limits.maxMessageLength)
            }
        }
        if format == 0 {
            // The message stream id is the one little-endian field of the protocol.
            header.messageStreamID = buffer.getInteger(at: index, endianness: .little, as: UInt32.self)!
            index += 4
        }

        if format <= 2 {
            if header.timestampField == RTMPChunkHeader.extendedTimestampMarker {
                guard let extended = buffer.getInteger(at: index, as: UInt32.self) else { return nil }
                header.extendedTimestamp = extended
                index += 4
            }
        } else if let stream, stream.usesExtendedTimestamp {
            guard let extended = buffer.getInteger(at: index, as: UInt32.self) else { return nil }
            if stream.partialPayload == nil {
                // A format 3 header starting a new message must carry the extended field.
                header.extendedTimestamp = extended
                index += 4
            } else if extended == stream.extendedTimestamp {
                // Continuation chunk: ffmpeg, librtmp and OBS repeat the extended timestamp here
                // (as the specification says). Some encoders omit it; those bytes are then
                // payload, recognisable because they differ from the value the header carried.
                header.extendedTimestamp = extended
                index += 4
            }
        }
        header.byteCount = index - start
        return header
    }

    /// Updates the chunk stream state for a complete header; returns the payload byte count of this chunk.
    private mutating func apply(_ header: ParsedHeader) throws -> Int {
        let id = header.chunkStreamID
        let timestampValue = header.extendedTimestamp ?? header.timestampField
        let usesExtended = header.timestampField == RTMPChunkHeader.extendedTimestampMarker

        var stream: ChunkStream
        switch header.format {
        case 0:
            stream = ChunkStream(
                messageLength: header.messageLength,
                typeID: header.typeID,
                messageStreamID: header.messageStreamID,
                timestamp: timestampValue,
                timestampDelta: timestampValue,
                usesExtendedTimestamp: usesExtended,
                extendedTimestamp: header.extendedTimestamp ?? 0,
                partialPayload: nil
            )
        case 1, 2:
            stream = chunkStreams[id]!
            stream.messageLength = header.messageLength
            stream.typeID = header.typeID
            stream.timestampDelta = timestampValue
            stream.timestamp &+= timestampValue
            stream.usesExtendedTimestamp = usesExtended
            if let extended = header.extendedTimestamp {
                stream.extendedTimestamp = extended
            }
        default:
            stream = chunkStreams[id]!
            if stream.partialPayload == nil {
                if let extended = header.extendedTimestamp {
                    stream.timestampDelta = extended
                    stream.extendedTimestamp = extended
                }
                stream.timestamp &+= stream.timestampDelta
            }
        }

        if stream.partialPayload == nil {
            let reserved = reservedBytes + stream.messageLength
            if reserved > limits.maxBufferedBytes {
                throw RTMPProtocolError.tooManyBufferedBytes(reserved, limit: limits.maxBufferedBytes)
            }
            reservedBytes = reserved
            stream.partialPayload = ByteBuffer()
        }
        let remainingInMessage = stream.messageLength - stream.partialPayload!.readableBytes
        chunkStreams[id] = stream
        return min(chunkSize, remainingInMessage)
    }

    // MARK: body

    private mutating func appendBody(from buffer: inout ByteBuffer, count: Int, to chunkStreamID: UInt32) {
        bytesReceived &+= UInt64(count)
        // Take the payload out of the state so it is uniquely referenced and grows in place.
        var stream = chunkStreams.removeValue(forKey: chunkStreamID)!
        var payload = stream.partialPayload!
        stream.partialPayload = nil
        if payload.readableBytes == 0, count == stream.messageLength {
            // The whole message is in this chunk: share the bytes instead of copying them.
            payload = buffer.readSlice(length: count)!
        } else {
            if payload.readableBytes == 0 {
                payload.reserveCapacity(min(stream.messageLength, limits.maxChunkSize))
            }
            var slice = buffer.readSlice(length: count)!
            payload.writeBuffer(&slice)
        }
        stream.partialPayload = payload
        chunkStreams[chunkStreamID] = stream
    }

    /// If the message on `chunkStreamID` is complete, takes it out of the state and returns it,
    /// unless it is a control message the decoder applies itself.
    private mutating func completeMessage(on chunkStreamID: UInt32) throws -> RTMPMessage? {
        guard var stream = chunkStreams[chunkStreamID],
              let payload = stream.partialPayload,
              payload.readableBytes == stream.messageLength
        else { return nil }
        stream.partialPayload = nil
        chunkStreams[chunkStreamID] = stream
        reservedBytes -= stream.messageLength

        let message = RTMPMessage(
            chunkStreamID: chunkStreamID,
            typeID: stream.typeID,
            messageStreamID: stream.messageStreamID,
            timestamp: stream.timestamp,
            payload: payload
        )
        switch message.typeID {
        case RTMPMessageType.setChunkSize:
            try applySetChunkSize(message.payload)
            return nil
        case RTMPMessageType.abort:
            try applyAbort(message.payload)
            return nil
        default:
            return message
        }
    }

    private mutating func applySetChunkSize(_ payload: ByteBuffer) throws {
        guard let value = payload.getInteger(at: payload.readerIndex, as: UInt32.self) else {
            throw RTMPProtocolError.malformedControlMessage(
                type: RTMPMessageType.setChunkSize,
                reason: "payload of \(payload.readableBytes) bytes, expected 4"
            )
        }
        // The top bit is reserved and must be zero, so 2^31 and above are out of range too.
        guard value >= 1, value <= 0x7FFF_FFFF, Int(value) <= limits.maxChunkSize else {
            throw RTMPProtocolError.chunkSizeOutOfRange(Int(value), limit: limits.maxChunkSize)
        }
        chunkSize = Int(value)
    }

    private mutating func applyAbort(_ payload: ByteBuffer) throws {
        guard let abortedID = payload.getInteger(at: payload.readerIndex, as: UInt32.self) else {
            throw RTMPProtocolError.malformedControlMessage(
                type: RTMPMessageType.abort,
                reason: "payload of \(payload.readableBytes) bytes, expected 4"
            )
        }
        // Aborting a chunk stream with no message in progress is allowed and does nothing.
        guard var stream = chunkStreams[abortedID], stream.partialPayload != nil else { return }
        stream.partialPayload = nil
        reservedBytes -= stream.messageLength
        chunkStreams[abortedID] = stream
    }
}

/// The ingest's status as the control plane's status document shows it (`ingest`): the
/// encoder's metadata laid flat beside the counters; keys absent while unknown.
extension IngestCoordinator.Status: Encodable {
    private enum CodingKeys: String, CodingKey {
        case state, publisher, publishingSince, videoCodec, audioCodec, width, height, framesPerSecond, encoder
        case bytesReceived, bitrateInKbps, publishesAccepted, publishesRefused, connectionsRejected, lastError, lastErrorAt
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state.rawValue, forKey: .state)
        try container.encodeIfPresent(publisher, forKey: .publisher)
        try container.encodeIfPresent(publishingSince, forKey: .publishingSince)
        try container.encodeIfPresent(videoCodec, forKey: .videoCodec)
        try container.encodeIfPresent(audioCodec, forKey: .audioCodec)
        try container.encodeIfPresent(metadata?.width, forKey: .width)
        try container.encodeIfPresent(metadata?.height, forKey: .height)
        try container.encodeIfPresent(metadata?.framesPerSecond, forKey: .framesPerSecond)
        try container.encodeIfPresent(metadata?.encoder, forKey: .encoder)
        try container.encode(bytesReceived, forKey: .bytesReceived)
        try container.encode(bitrateInKilobitsPerSecond, forKey: .bitrateInKbps)
        try container.encode(publishesAccepted, forKey: .publishesAccepted)
        try container.encode(publishesRefused, forKey: .publishesRefused)
        try container.encode(connectionsRejected, forKey: .connectionsRejected)
        try container.encodeIfPresent(lastError, forKey: .lastError)
        try container.encodeIfPresent(lastErrorAt, forKey: .lastErrorAt)
    }
}

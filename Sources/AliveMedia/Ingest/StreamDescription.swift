import NIOCore

/// Human-readable codec descriptions for status, from the decoder configurations.
enum StreamDescription {
    /// e.g. "H.264 High 4.0" from an AVCDecoderConfigurationRecord.
    static func h264(_ record: ByteBuffer) -> String {
        let bytes = Array(record.readableBytesView.prefix(4))
        guard bytes.count == 4 else { return "H.264" }
        let profiles: [UInt8: String] = [66: "Baseline", 77: "Main", 88: "Extended", 100: "High", 110: "High 10", 122: "High 4:2:2", 244: "High 4:4:4"]
        let profile = profiles[bytes[1]] ?? "profile \(bytes[1])"
        return "H.264 \(profile) \(bytes[3] / 10).\(bytes[3] % 10)"
    }

    /// e.g. "AAC-LC 44100 Hz 2 ch" from an AudioSpecificConfig.
    static func aac(_ config: ByteBuffer) -> String {
        guard let parsed = AudioSpecificConfig(Array(config.readableBytesView)) else { return "AAC" }
        let types = [1: "AAC Main", 2: "AAC-LC", 3: "AAC SSR", 4: "AAC LTP", 5: "HE-AAC", 29: "HE-AACv2"]
        return "\(types[parsed.objectType] ?? "AAC") \(parsed.sampleRate) Hz \(parsed.channels) ch"
    }
}

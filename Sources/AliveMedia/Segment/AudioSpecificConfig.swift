/// The fields of an AAC `AudioSpecificConfig` (ISO 14496-3 1.6.2.1) the muxer needs.
struct AudioSpecificConfig: Equatable {
    var objectType: Int
    var sampleRate: Int
    var channels: Int

    private static let sampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    /// nil when the bytes are too short or name a reserved rate/channel configuration.
    init?(_ bytes: [UInt8]) {
        var reader = BitReader(bytes)
        guard var objectType = reader.read(5) else { return nil }
        if objectType == 31 {
            guard let escaped = reader.read(6) else { return nil }
            objectType = 32 + escaped
        }
        guard let rateIndex = reader.read(4) else { return nil }
        let rate: Int
        if rateIndex == 15 {
            guard let explicit = reader.read(24) else { return nil }
            rate = explicit
        } else {
            guard rateIndex < Self.sampleRates.count else { return nil }
            rate = Self.sampleRates[rateIndex]
        }
        guard let channelConfiguration = reader.read(4), (1...7).contains(channelConfiguration), rate > 0 else { return nil }
        self.objectType = objectType
        self.sampleRate = rate
        self.channels = channelConfiguration == 7 ? 8 : channelConfiguration
    }

    /// One AAC frame is 1024 samples.
    var frameDurationMilliseconds: Double { 1024_000 / Double(sampleRate) }
}

struct BitReader {
    private let bytes: [UInt8]
    private var bitOffset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(_ count: Int) -> Int? {
        guard bitOffset + count <= bytes.count * 8 else { return nil }
        var value = 0
        for _ in 0..<count {
            let bit = (bytes[bitOffset / 8] >> (7 - UInt8(bitOffset % 8))) & 1
            value = value << 1 | Int(bit)
            bitOffset += 1
        }
        return value
    }
}

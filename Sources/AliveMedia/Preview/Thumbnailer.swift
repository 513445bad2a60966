import Foundation
import NIOCore

/// Turns one H.264 keyframe into a JPEG thumbnail with libavcodec (decode), libswscale
/// (scale, convert) and libavcodec's MJPEG encoder — in process, no child, no file.
///
/// The decoder is kept while the decoder configuration stays the same (a new SPS/PPS,
/// e.g. the encoder changed resolution, opens a new one); the scaler and the encoder are
/// kept while the sizes stay the same.
///
/// Not thread-safe and blocking (milliseconds per picture): `ThumbnailService` runs it on
/// its own queue, never on the segmenter's queue or an event loop. `close()` must be called.
public final class Thumbnailer {
    public struct Configuration: Sendable {
        /// Widest thumbnail; narrower pictures keep their width. The aspect ratio is kept.
        public var maxWidth = 640
        /// JPEG quantiser scale, 2 (best) ... 31 (smallest).
        public var jpegQuality = 5

        public init(maxWidth: Int = 640, jpegQuality: Int = 5) {
            self.maxWidth = max(maxWidth, 16)
            self.jpegQuality = jpegQuality
        }
    }

    public struct Counters: Sendable, Equatable {
        /// H.264 decoders opened: one per distinct decoder configuration in a row.
        public var decodersOpened: UInt64 = 0
        public var jpegEncodersOpened: UInt64 = 0
        public var thumbnailsMade: UInt64 = 0
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    private var decoder: H264PictureDecoder?
    private var decoded: VideoFrame?
    private var scaler: FrameScaler?
    private var encoder: JPEGEncoder?
    private var isClosed = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    deinit { assert(decoded == nil && scaler == nil && decoder == nil && encoder == nil, "Thumbnailer dropped without close()") }

    /// Decodes `keyframe`, scales it to at most `maxWidth` (aspect kept) and encodes a JPEG.
    public func thumbnail(of keyframe: SegmentKeyframe) throws(ThumbnailError) -> Thumbnail {
        guard !isClosed else { throw .closed }
        guard keyframe.packet.isKeyframe else { throw .notAKeyframe }
        let decoder = try openDecoder(for: keyframe.decoderConfiguration)
        let decoded = try decodedFrame()
        // The decoded picture (3 MiB at 1080p) is not kept between calls.
        defer { decoded.unreference() }
        let hasPicture: Bool
        do {
            hasPicture = try decoder.decode(keyframe: keyframe.packet.data, into: decoded)
        } catch {
            throw .decodeFailed("\(error)")
        }
        guard hasPicture else { throw .noPicture }

        let (width, height) = Self.thumbnailSize(of: decoded, maxWidth: configuration.maxWidth)
        let scaler = try frameScaler()
        let encoder = try openEncoder(width: width, height: height)
        let scaled: VideoFrame
        do {
            scaled = try scaler.scale(decoded, width: width, height: height)
        } catch {
            throw .scaleFailed("\(error)")
        }
        let jpeg: ByteBuffer
        do {
            jpeg = try encoder.encode(scaled)
        } catch {
            throw .encodeFailed("\(error)")
        }
        counters.thumbnailsMade += 1
        return Thumbnail(jpeg: jpeg, width: width, height: height,
                         segmentStartMilliseconds: keyframe.segmentStartMilliseconds,
                         sourceTimestampMilliseconds: keyframe.packet.presentationTimestamp, createdAt: Date())
    }

    /// Frees every libav context but stays usable: the next call opens them again.
    public func releaseContexts() {
        decoder?.close()
        decoder = nil
        decoded?.close()
        decoded = nil
        scaler?.close()
        scaler = nil
        encoder?.close()
        encoder = nil
    }

    /// Frees every libav context; later calls throw `.closed`. Safe to call twice.
    public func close() {
        releaseContexts()
        isClosed = true
    }

    /// The thumbnail size for a picture: display aspect (sample aspect ratio applied), at
    /// most `maxWidth` wide, even sides (4:2:0 chroma), never zero.
    static func thumbnailSize(width: Int, height: Int, sampleAspect: (num: Int, den: Int), maxWidth: Int) -> (width: Int, height: Int) {
        let displayWidth = sampleAspect.num > 0 && sampleAspect.den > 0 ? Double(width) * Double(sampleAspect.num) / Double(sampleAspect.den) : Double(width)
        let targetWidth = min(Double(maxWidth), displayWidth)
        let targetHeight = Double(height) * targetWidth / displayWidth
        func even(_ value: Double) -> Int { max(2, Int((value / 2).rounded()) * 2) }
        return (even(targetWidth), even(targetHeight))
    }

    private static func thumbnailSize(of frame: VideoFrame, maxWidth: Int) -> (width: Int, height: Int) {
        let aspect = frame.pointer.map { (Int($0.pointee.sample_aspect_ratio.num), Int($0.pointee.sample_aspect_ratio.den)) } ?? (1, 1)
        return thumbnailSize(width: frame.width, height: frame.height, sampleAspect: aspect, maxWidth: maxWidth)
    }

    // MARK: Contexts, made on first use and kept while they fit

    private func openDecoder(for configuration: [UInt8]) throws(ThumbnailError) -> H264PictureDecoder {
        if let decoder, decoder.decoderConfiguration == configuration { return decoder }
        decoder?.close()
        decoder = nil
        guard configuration.first == 1, configuration.count >= 7 else {
            throw .invalidDecoderConfiguration("not an AVCDecoderConfigurationRecord (\(configuration.count) bytes)")
        }
        do {
            let opened = try H264PictureDecoder(decoderConfiguration: configuration)
            decoder = opened
            counters.decodersOpened += 1
            return opened
        } catch {
            throw .invalidDecoderConfiguration("\(error)")
        }
    }

    private func decodedFrame() throws(ThumbnailError) -> VideoFrame {
        if let decoded { return decoded }
        do {
            let frame = try VideoFrame()
            decoded = frame
            return frame
        } catch {
            throw .decodeFailed("\(error)")
        }
    }

    private func frameScaler() throws(ThumbnailError) -> FrameScaler {
        if let scaler { return scaler }
        do {
            let made = try FrameScaler()
            scaler = made
            return made
        } catch {
            throw .scaleFailed("\(error)")
        }
    }

    private func openEncoder(width: Int, height: Int) throws(ThumbnailError) -> JPEGEncoder {
        if let encoder, encoder.width == width, encoder.height == height { return encoder }
        encoder?.close()
        encoder = nil
        do {
            let opened = try JPEGEncoder(width: width, height: height, quality: configuration.jpegQuality)
            encoder = opened
            counters.jpegEncodersOpened += 1
            return opened
        } catch {
            throw .encodeFailed("\(error)")
        }
    }
}

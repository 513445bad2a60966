import CFFmpeg

/// A libav* failure: which call failed and libav's own message. Raw error codes stay here.
struct FFmpegError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32

    init(_ operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    var description: String { "\(operation) failed: \(message)" }

    /// libav's own text for the code.
    var message: String {
        var buffer = [CChar](repeating: 0, count: 128)
        av_strerror(code, &buffer, buffer.count)
        let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return message
    }

    /// Throws when `result` is a libav error code (negative).
    @discardableResult
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
        if result < 0 { throw FFmpegError(operation(), code: result) }
        return result
    }
}

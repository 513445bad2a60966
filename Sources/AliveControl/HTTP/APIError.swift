import Foundation
import Hummingbird

/// Errors the API answers as JSON: `{"error": "...", "errors": [{"path", "reason"}]}`.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    var problems: [ConfigurationProblem] = []
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Any] = ["error": message]
        if !problems.isEmpty { body["errors"] = problems.map { ["path": $0.path, "reason": $0.reason] } }
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields,
                        body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))))
    }

    static let unauthorized = APIError(status: .unauthorized, message: "log in first")
    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
}

/// A JSON response from an `Encodable` value or a `[String: Any]` object.
enum JSONResponse {
    static func make(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields,
                        body: .init(byteBuffer: ByteBuffer(data: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))))
    }

    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        // The API speaks snake_case like the configuration file.
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // A non-finite number that got past validation must not turn every later status
        // answer into a 500: it is written as a string instead.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }
}

extension Request {
    /// The body as JSON, bounded by the context's upload limit; a clear 400 otherwise.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: ControlRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(status: .contentTooLarge, message: "request body over \(context.maxUploadSize) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("body is not the expected JSON")
        }
    }
}

/// A `multipart/form-data` body. libcurl writes the framing; file parts are handed to
/// it through a read callback over the caller's memory, so a segment is streamed from
/// the ring without a copy.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public enum Content: Sendable {
            case text(String)
            case bytes(any SegmentBytes)
        }

        public var name: String
        public var filename: String?
        public var contentType: String?
        public var content: Content

        public init(name: String, filename: String? = nil, contentType: String? = nil, content: Content) {
            self.name = name
            self.filename = filename
            self.contentType = contentType
            self.content = content
        }

        /// A form field.
        public static func field(_ name: String, _ value: String) -> Part {
            Part(name: name, content: .text(value))
        }

        /// A file upload part.
        public static func file(_ name: String, filename: String, contentType: String = "application/octet-stream",
                                bytes: any SegmentBytes) -> Part {
            Part(name: name, filename: filename, contentType: contentType, content: .bytes(bytes))
        }
    }

    public var parts: [Part]

    public init(_ parts: [Part]) {
        self.parts = parts
    }

    func validate() throws(StorageError) {
        for part in parts {
            // Quotes and line breaks would break the Content-Disposition header line.
            for text in [part.name, part.filename ?? "", part.contentType ?? ""]
            where text.utf8.contains(where: { $0 == 0x22 || $0 == 0x0d || $0 == 0x0a || $0 == 0 }) {
                throw StorageError(.invalidRequest, "multipart names must not contain quotes or line breaks")
            }
            guard !part.name.isEmpty else { throw StorageError(.invalidRequest, "multipart part without a name") }
        }
    }
}

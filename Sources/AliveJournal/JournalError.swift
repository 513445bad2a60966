/// The one error type of AliveJournal. SQLite's codes stay inside; callers see a
/// kind they can act on and a detail for the log.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A value outside what the journal accepts (empty CID, negative sequence …).
        public static let invalidInput = Kind("invalid input")
        /// The request contradicts what is already recorded (same segment with another
        /// CID, a segment already carried by a push …). Nothing was changed.
        public static let conflict = Kind("conflict")
        /// No such stream, segment or push.
        public static let notFound = Kind("not found")
        /// A push state change that the exactly-once rules forbid.
        public static let invalidState = Kind("invalid state")
        /// The database could not be opened, read or written (disk full, corrupt,
        /// locked by another process, used after close()).
        public static let storage = Kind("storage")
    }

    public let kind: Kind
    public let detail: String

    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(kind): \(detail)" }
}

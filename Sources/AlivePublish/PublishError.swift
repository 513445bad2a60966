/// The one error type of AlivePublish: a stable kind callers and tests match on, and a
/// detail for people. Details never carry a key, a token or a signature.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The publishing configuration cannot run (every problem is in the detail).
        public static let configuration = Kind("configuration")
        /// The secrets file is missing, readable by others, or holds an unusable key.
        public static let secrets = Kind("secrets")
        /// The configured key is not one the account accepts for this use.
        public static let keyMismatch = Kind("key mismatch")
        /// No configured node answered usefully (down, time-out, 5xx, garbage).
        public static let unreachable = Kind("unreachable")
        /// A node answered and refused the request (the reason is its message).
        public static let rejected = Kind("rejected")
        /// A node answered 2xx with something that is not the expected answer.
        public static let badAnswer = Kind("bad answer")
        /// The journal could not record or read what exactly-once needs.
        public static let journal = Kind("journal")
        /// A chunk file could not be stored.
        public static let storage = Kind("storage")
        /// The operation ran out of time (stop deadline, confirmation wait).
        public static let timedOut = Kind("timed out")
        /// The operation does not exist on this network (ending a stream on Avalon).
        public static let unsupported = Kind("unsupported")
        /// The stream has used every seq consumers take (17280 pushes): a new link is needed.
        public static let streamFull = Kind("stream full")
    }

    public let kind: Kind
    public let detail: String
    /// For `configuration`: each problem with its dotted path (also listed in `detail`).
    public let problems: [PublishingConfigurationProblem]

    public init(_ kind: Kind, _ detail: String, problems: [PublishingConfigurationProblem] = []) {
        self.kind = kind
        self.detail = detail
        self.problems = problems
    }

    public var description: String { "\(kind): \(detail)" }
}

import Foundation
import Synchronization
import TOMLKit

/// The box's secrets, kept apart from the configuration in `<data dir>/secrets.toml` with
/// mode 0600: the stream key and the page password's hash (later: ledger keys). Secrets
/// are write-only through the API: it tells whether each is set, never its value.
public final class SecretsStore: Sendable {
    public struct Secrets: Sendable, Equatable {
        public var streamKey: String?
        /// `PasswordHash` encoding (scrypt, salted).
        public var pagePasswordHash: String?
        /// Secrets other parts of the box keep in the same file (`posting_key`, `avalon_key`,
        /// `alivedb_key` for publishing): carried through every rewrite untouched.
        public var others: [String: String] = [:]

        public init(streamKey: String? = nil, pagePasswordHash: String? = nil) {
            self.streamKey = streamKey
            self.pagePasswordHash = pagePasswordHash
        }
    }

    public let path: String
    private let secrets: Mutex<Secrets>
    private let loadedModification: Mutex<Date?> = Mutex(nil)

    /// Reads the file if there is one. A stream key is generated on first use (see `streamKey`).
    public init(directory: String) throws {
        path = (directory as NSString).appendingPathComponent("secrets.toml")
        secrets = Mutex(try Self.load(path))
        loadedModification.withLock { $0 = Self.modification(path) }
    }

    private static func load(_ path: String) throws -> Secrets {
        var loaded = Secrets()
        guard FileManager.default.fileExists(atPath: path) else { return loaded }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw ConfigurationError(problems: [ConfigurationProblem(path: "secrets.toml", reason: "unreadable: \(error)")])
        }
        loaded.streamKey = table["stream_key"]?.string
        loaded.pagePasswordHash = table["page_password_hash"]?.string
        for key in table.keys where key != "stream_key" && key != "page_password_hash" {
            guard let value = table[key]?.string else {
                throw ConfigurationError(problems: [ConfigurationProblem(path: "secrets.toml: \(key)", reason: "must be a string")])
            }
            loaded.others[key] = value
        }
        return loaded
    }

    private static func modification(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Picks up a change made by another process (`alived passwd` on the box's shell).
    public func reloadIfChanged() {
        let now = Self.modification(path)
        guard now != loadedModification.withLock({ $0 }), let fresh = try? Self.load(path) else { return }
        secrets.withLock { $0 = fresh }
        loadedModification.withLock { $0 = now }
    }

    public var current: Secrets { secrets.withLock { $0 } }

    /// The stream key, generated and saved the first time if none was ever set.
    public func streamKey() throws -> String {
        if let key = current.streamKey { return key }
        let key = Self.generateStreamKey()
        try update { $0.streamKey = key }
        return key
    }

    /// Applies `change` and writes the file atomically (mode 0600). On a write error the
    /// secrets in memory stay as they were.
    public func update(_ change: (inout Secrets) throws -> Void) throws {
        try secrets.withLock { secrets in
            var next = secrets
            try change(&next)
            try AtomicFile.write(Self.render(next), to: path, mode: 0o600)
            secrets = next
            loadedModification.withLock { $0 = Self.modification(path) }
        }
    }

    public static func isValidStreamKey(_ key: String) -> Bool {
        BoxConfiguration.isPathSafe(key, maxLength: 128) && key.count >= 8
    }

    static func generateStreamKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz23456789")
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }

    private static func render(_ secrets: Secrets) -> String {
        var lines = ["# alived secrets: keep this file mode 0600. Written by alived; values are never shown by the API."]
        if let key = secrets.streamKey { lines.append("stream_key = \(TOMLString.quote(key))") }
        if let hash = secrets.pagePasswordHash { lines.append("page_password_hash = \(TOMLString.quote(hash))") }
        for (key, value) in secrets.others.sorted(by: { $0.key < $1.key }) where TOMLString.isBareKey(key) {
            lines.append("\(key) = \(TOMLString.quote(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

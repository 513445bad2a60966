/// Hive's `custom_json` operation (operation id 18), validated on creation.
public struct HiveCustomJSON: Sendable, Equatable {
    /// Hive's operation id for `custom_json` in the binary form.
    static let operationID: UInt64 = 18
    /// Hive's limit on the `id` field.
    public static let maximumIDLength = 32

    public let requiredAuths: [String]
    public let requiredPostingAuths: [String]
    public let id: String
    /// The payload: a JSON text carried as a string.
    public let json: String

    public init(requiredAuths: [String] = [], requiredPostingAuths: [String], id: String, json: String) throws {
        guard !(requiredAuths.isEmpty && requiredPostingAuths.isEmpty) else {
            throw LedgerError.invalidInput("custom_json needs at least one required authority")
        }
        for account in requiredAuths + requiredPostingAuths { try AliveNames.validateHiveAccount(account) }
        guard (1...Self.maximumIDLength).contains(id.utf8.count) else {
            throw LedgerError.invalidInput("custom_json id must be 1–\(Self.maximumIDLength) bytes")
        }
        guard !id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw LedgerError.invalidInput("custom_json id must not contain control characters")
        }
        // Nodes parse `json` and refuse raw control characters; our writer escapes them.
        guard !json.isEmpty, !json.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw LedgerError.invalidInput("custom_json json must be non-empty JSON text without raw control characters")
        }
        self.requiredAuths = requiredAuths
        self.requiredPostingAuths = requiredPostingAuths
        self.id = id
        self.json = json
    }
}

import AliveLedger
import Foundation
import TOMLKit

/// The keys publishing signs with, read from the secrets file (mode 0600, apart from
/// the configuration, never from the command line):
///
///     posting_key = "5K…"   # Hive posting key (WIF)
///     avalon_key  = "…"     # Avalon key (base58 of the raw 32 bytes)
///     alivedb_key = "…"     # AliveDB user key, for /loginUser when the peer is logged out
///
/// Other keys in the file (the stream key, the page password hash) belong to the rest
/// of the box and are ignored here. Nothing in this type prints a key.
public struct PublishingSecrets: Sendable, CustomStringConvertible {
    public var postingKey: PrivateKey?
    public var avalonKey: PrivateKey?
    public var aliveDBKey: String?

    public init(postingKey: PrivateKey? = nil, avalonKey: PrivateKey? = nil, aliveDBKey: String? = nil) {
        self.postingKey = postingKey
        self.avalonKey = avalonKey
        self.aliveDBKey = aliveDBKey
    }

    /// Which keys are set, never their values.
    public var description: String {
        "PublishingSecrets(posting_key: \(postingKey == nil ? "unset" : "set"), avalon_key: \(avalonKey == nil ? "unset" : "set"), "
            + "alivedb_key: \(aliveDBKey == nil ? "unset" : "set"))"
    }

    /// Reads the secrets file. Refuses a file that group or others may read or write
    /// (as ssh does with private keys), and says which key is unusable without
    /// repeating it.
    public static func load(path: String) throws -> PublishingSecrets {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PublishError(.secrets, "cannot read the secrets file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw PublishError(.secrets, "the secrets file \(path) is not a regular file")
        }
        let permissions = info.st_mode & 0o777
        guard permissions & 0o077 == 0 else {
            throw PublishError(.secrets, "the secrets file \(path) has mode \(String(permissions, radix: 8)): others may read it; "
                               + "run `chmod 600 \(path)`")
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PublishError(.secrets, "cannot read the secrets file \(path)")
        }
        return try parse(toml: text, source: path)
    }

    /// Parses the secrets TOML (`source` names it in errors).
    public static func parse(toml text: String, source: String = "secrets file") throws -> PublishingSecrets {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            // The parser's message may quote the line, which may hold a key: give the line number only.
            throw PublishError(.secrets, "\(source): not valid TOML (line \(error.source.begin.line))")
        }
        var secrets = PublishingSecrets()
        func value(_ key: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.string else { throw PublishError(.secrets, "\(source): \(key) must be a string") }
            return string.isEmpty ? nil : string
        }
        if let wif = try value("posting_key") {
            do { secrets.postingKey = try PrivateKey(hiveWIF: wif) } catch let error as LedgerError {
                throw PublishError(.secrets, "\(source): posting_key is not a usable Hive WIF key (\(error.detail))")
            }
        }
        if let base58 = try value("avalon_key") {
            do { secrets.avalonKey = try PrivateKey(avalonBase58: base58) } catch let error as LedgerError {
                throw PublishError(.secrets, "\(source): avalon_key is not a usable Avalon key (\(error.detail))")
            }
        }
        secrets.aliveDBKey = try value("alivedb_key")
        return secrets
    }

    /// Checks that the keys `configuration` needs are present.
    public func check(for configuration: PublishingConfiguration) throws {
        var missing: [String] = []
        switch configuration.network {
        case .hive: if postingKey == nil { missing.append("posting_key (the streamer's Hive posting key)") }
        case .avalon: if avalonKey == nil { missing.append("avalon_key (the streamer's Avalon key)") }
        case .none, .local: break
        }
        if configuration.aliveDB != nil, configuration.network == .none, postingKey == nil {
            missing.append("posting_key (AliveDB's token sign-in is signed with it)")
        }
        if configuration.aliveDB?.userID != nil, aliveDBKey == nil {
            missing.append("alivedb_key (publishing.alivedb.user_id is set)")
        }
        guard missing.isEmpty else {
            throw PublishError(.secrets, "the secrets file lacks " + missing.joined(separator: ", "))
        }
    }
}

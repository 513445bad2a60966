import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

struct SecretsStoreTests {
    @Test func rewritesKeepTheSecretsOfOtherParts() throws {
        let directory = TestScratch.directory("secrets")
        let file = directory.appendingPathComponent("secrets.toml")
        try "posting_key = \"5JpostingKeyValue\"\nalivedb_key = \"db\\\"key\"\nstream_key = \"oldkey123\"\n".write(to: file, atomically: true, encoding: .utf8)
        let store = try SecretsStore(directory: directory.path)
        #expect(store.current.streamKey == "oldkey123")
        try store.update { $0.streamKey = "newkey456" }
        let reread = try SecretsStore(directory: directory.path).current
        #expect(reread.streamKey == "newkey456")
        #expect(reread.others == ["posting_key": "5JpostingKeyValue", "alivedb_key": "db\"key"])
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aNonStringSecretIsRefusedNotDropped() throws {
        let directory = TestScratch.directory("secrets")
        try "posting_key = 5\n".write(to: directory.appendingPathComponent("secrets.toml"), atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try SecretsStore(directory: directory.path) }
    }
}

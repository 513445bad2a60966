import AliveTestSupport
import AliveLedger
import Foundation
import Testing
@testable import AlivePublish

@Suite struct PublishingSecretsTests {
    private func file(_ text: String, mode: Int) throws -> String {
        let url = TestScratch.file("secrets", suffix: ".toml")
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url.path
    }

    @Test func keysAreReadAndOtherSecretsIgnored() throws {
        let path = try file("""
            stream_key = "abcdefgh12"
            page_password_hash = "scrypt$…"
            posting_key = " \(TestKeys.postingWIF)\\n"
            avalon_key = "\(TestKeys.avalonKey)"
            alivedb_key = "gun-user-key"
            """, mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let secrets = try PublishingSecrets.load(path: path)
        let context = try Secp256k1Context()
        defer { context.close() }
        let hive = try HiveSigner(key: try #require(secrets.postingKey), chain: HiveChain(chainIDHex: TestKeys.chainID, publicKeyPrefix: "TST"),
                                  context: context)
        #expect(hive.publicKeyString == TestKeys.postingPublic, "pasted with spaces and a newline, still the key")
        #expect(try AvalonSigner(key: try #require(secrets.avalonKey), context: context).publicKeyString == TestKeys.avalonPublic)
        #expect(secrets.aliveDBKey == "gun-user-key")
        #expect(secrets.description == "PublishingSecrets(posting_key: set, avalon_key: set, alivedb_key: set)")
    }

    @Test func aFileOthersMayReadIsRefused() throws {
        let path = try file("posting_key = \"\(TestKeys.postingWIF)\"\n", mode: 0o640)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: PublishError.self) { try PublishingSecrets.load(path: path) }
        #expect(error?.kind == .secrets)
        #expect(error?.detail.contains("mode 640") == true && error?.detail.contains("chmod 600") == true)
    }

    @Test func unusableKeysAreNamedNeverShown() throws {
        let typo = String(TestKeys.postingWIF.dropLast()) + "X"
        for (text, name) in [("posting_key = \"\(typo)\"", "posting_key"), ("avalon_key = \"0OIl\"", "avalon_key"),
                             ("posting_key = 5", "posting_key")] {
            let error = #expect(throws: PublishError.self) { try PublishingSecrets.parse(toml: text) }
            #expect(error?.detail.contains(name) == true, "\(String(describing: error))")
            #expect(error?.detail.contains(typo) == false)
        }
        let broken = #expect(throws: PublishError.self) { try PublishingSecrets.parse(toml: "posting_key = \"\(TestKeys.postingWIF)") }
        #expect(broken?.detail.contains(TestKeys.postingWIF) == false, "a TOML error must not quote the line")
    }

    @Test func missingKeysForTheConfigurationAreListed() throws {
        var configuration = PublishingConfiguration()
        configuration.network = .hive
        configuration.aliveDB = .init(url: "http://127.0.0.1:1", userID: "box")
        let error = #expect(throws: PublishError.self) { try PublishingSecrets().check(for: configuration) }
        #expect(error?.detail.contains("posting_key") == true && error?.detail.contains("alivedb_key") == true)
        configuration.network = .avalon
        let avalon = #expect(throws: PublishError.self) { try PublishingSecrets(aliveDBKey: "k").check(for: configuration) }
        #expect(avalon?.detail.contains("avalon_key") == true)
    }
}

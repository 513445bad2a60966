import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

/// What a start runs on, whatever the file says (the real binary: alivedTests'
/// ConfigurationFallbackTests).
struct StartConfigurationTests {
    private static let valid = "[segments]\nseconds = 4\n"
    private static let noRules: @Sendable (BoxConfiguration) -> [ConfigurationProblem] = { _ in [] }

    private static func file(_ text: String?) throws -> ConfigurationFile {
        let file = ConfigurationFile(path: TestScratch.directory("start").appendingPathComponent("alived.toml").path)
        if let text { try text.write(toFile: file.path, atomically: true, encoding: .utf8) }
        return file
    }

    private static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    @Test func aFileThatPassesRunsAndIsKeptAsTheLastGoodCopy() throws {
        let file = try Self.file(Self.valid)
        chmod(file.path, 0o600)
        let start = file.loadAtStart(validator: Self.noRules)
        #expect(start.origin == .file)
        #expect(start.configuration.segments.seconds == 4)
        #expect(start.notes.isEmpty)
        #expect(Self.bytes(file.lastGoodPath) == Array(Self.valid.utf8))
        #expect(try FileManager.default.attributesOfItem(atPath: file.lastGoodPath)[.posixPermissions] as? Int == 0o600)
        #expect(!FileManager.default.fileExists(atPath: file.rejectedPath))
    }

    @Test func aRefusedFileRunsTheLastGoodCopyAndIsKeptAsRejected() throws {
        let file = try Self.file(Self.valid)
        _ = file.loadAtStart(validator: Self.noRules)
        for broken in ["[storage.evil]\nx=1\n", "[ingest\nrtmp_port = = 1\n", "[segments]\nseconds = 30\n"] {
            try broken.write(toFile: file.path, atomically: true, encoding: .utf8)
            let start = file.loadAtStart(validator: Self.noRules)
            #expect(start.origin.source == .lastGood, "\(broken)")
            #expect(!start.origin.problems.isEmpty)
            #expect(start.origin.rejectedFile == file.rejectedPath)
            #expect(start.configuration.segments.seconds == 4, "runs what the last good copy says")
            #expect(Self.bytes(file.rejectedPath) == Array(broken.utf8))
            #expect(Self.bytes(file.path) == Array(broken.utf8), "the file itself is left as it was")
            #expect(Self.bytes(file.lastGoodPath) == Array(Self.valid.utf8), "a refused file never becomes the last good copy")
        }
        try "[storage.evil]\nx=1\n".write(toFile: file.path, atomically: true, encoding: .utf8)
        #expect(file.loadAtStart(validator: Self.noRules).origin.problems == [ConfigurationProblem(path: "storage.evil", reason: "unknown setting")])
        try "[ingest\n".write(toFile: file.path, atomically: true, encoding: .utf8)
        let syntax = file.loadAtStart(validator: Self.noRules).origin.problems
        #expect(syntax.count == 1 && syntax[0].path == "(file)" && syntax[0].reason.hasPrefix("line 1"), "\(syntax)")
    }

    /// The validator's rules (publishing, in the box) count as much as the box's own.
    @Test func theValidatorsProblemsRefuseTheFileToo() throws {
        let file = try Self.file(Self.valid)
        let start = file.loadAtStart { _ in [ConfigurationProblem(path: "publishing.nope", reason: "unknown key")] }
        #expect(start.origin == ConfigurationOrigin(source: .embeddedDefault, problems: [ConfigurationProblem(path: "publishing.nope", reason: "unknown key")],
                                                    rejectedFile: file.rejectedPath))
        #expect(start.configuration == .default)
        #expect(!FileManager.default.fileExists(atPath: file.lastGoodPath))
    }

    @Test func withoutAUsableLastGoodCopyTheEmbeddedDefaultRuns() throws {
        let file = try Self.file("nonsense = 1\n")
        let none = file.loadAtStart(validator: Self.noRules)
        #expect(none.origin.source == .embeddedDefault && none.configuration == .default)
        #expect(none.origin.problems == [ConfigurationProblem(path: "nonsense", reason: "unknown setting")])
        #expect(none.notes.contains { $0.contains("no last good copy") }, "\(none.notes)")
        // A last good copy that is refused too (edited by hand, say) is not used either.
        try "[ring]\nbudget_mib = 1\n".write(toFile: file.lastGoodPath, atomically: true, encoding: .utf8)
        let refused = file.loadAtStart(validator: Self.noRules)
        #expect(refused.origin.source == .embeddedDefault && refused.configuration == .default)
        #expect(refused.notes.contains { $0.contains("ring.budget_mib") }, "\(refused.notes)")
    }

    @Test func anUnreadableOrMissingFileFallsBackToo() throws {
        let binary = try Self.file(nil)
        let notText: [UInt8] = [0x5B, 0xFF, 0xFE, 0x5D, 0x0A]
        #expect(FileManager.default.createFile(atPath: binary.path, contents: Data(notText)))
        let start = binary.loadAtStart(validator: Self.noRules)
        #expect(start.origin.problems == [ConfigurationProblem(path: "(file)", reason: "\(binary.path) is not UTF-8 text")])
        #expect(Self.bytes(binary.rejectedPath) == notText)

        let missing = try Self.file(nil)
        let absent = missing.loadAtStart(validator: Self.noRules)
        #expect(absent.origin == ConfigurationOrigin(source: .embeddedDefault,
                                                     problems: [ConfigurationProblem(path: "(file)", reason: "\(missing.path) does not exist")]))
        #expect(!FileManager.default.fileExists(atPath: missing.rejectedPath))
    }
}

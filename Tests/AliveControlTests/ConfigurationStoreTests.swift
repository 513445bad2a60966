import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

/// The store writes only what reads back as it meant: keys are quoted, values the file
/// cannot hold are refused, and the exact text is parsed back before the rename.
struct ConfigurationStoreTests {
    static let injectionKey = "end_on_stop = true\n[storage.evil]\nx"

    private static func store(in directory: URL, origin: ConfigurationOrigin = .file,
                              validator: @escaping @Sendable (BoxConfiguration) -> [ConfigurationProblem] = { _ in [] }) -> ConfigurationStore {
        ConfigurationStore(path: directory.appendingPathComponent("alived.toml").path, initial: .default, origin: origin, validator: validator)
    }

    private static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// The key that used to become a `[storage.evil]` table in the file stays one quoted key:
    /// the file reads back as the same tree and the next start takes it.
    @Test func aKeyIsWrittenAsOneKeyNeverAsTOMLSyntax() throws {
        let directory = TestScratch.directory("store-injection")
        let store = Self.store(in: directory)
        _ = try store.patch(with: .table(["publishing": .table([Self.injectionKey: .boolean(true)])]))
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("[storage.evil]") }, "\(text)")
        #expect(text.contains(#""end_on_stop = true\n[storage.evil]\nx" = true"#), "\(text)")
        let reread = try BoxConfiguration.parse(toml: text)
        #expect(reread.tree == store.current.tree)
        guard case .table(let publishing)? = reread.publishing else { Issue.record("no publishing table"); return }
        #expect(publishing[Self.injectionKey] == .boolean(true))
    }

    /// The guard itself: text that would read back differently, or not at all, is refused with
    /// the path and the reason (here: what the renderer wrote before keys were quoted).
    @Test func textThatReadsBackDifferentlyIsRefused() throws {
        var configuration = BoxConfiguration.default
        configuration.publishing = .table(["network": .string("local"), Self.injectionKey: .boolean(true)])
        let unquoted = "[publishing]\n\(Self.injectionKey) = true\nnetwork = \"local\"\n[storage]\nbackend = \"box\"\n"
        do {
            try BoxConfiguration.check(unquoted, readsBackAs: configuration, validator: { _ in [] })
            Issue.record("unquoted key accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.map(\.path) == ["storage.evil"], "\(error)")
            #expect(error.problems.first?.reason == "the file as it would be written does not read back: unknown setting")
        }
        // Parses, but not to what was meant: the difference is named.
        let changed = configuration.renderTOML().replacingOccurrences(of: "\nseconds = 10", with: "\nseconds = 9")
        do {
            try BoxConfiguration.check(changed, readsBackAs: configuration, validator: { _ in [] })
            Issue.record("different text accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems == [ConfigurationProblem(path: "segments.seconds", reason: "the file as it would be written reads back differently")])
        }
        // The validator sees the text as read back.
        #expect(throws: ConfigurationError.self) {
            try BoxConfiguration.check(configuration.renderTOML(), readsBackAs: configuration,
                                       validator: { _ in [ConfigurationProblem(path: "publishing.x", reason: "no")] })
        }
        #expect(try configuration.fileText(validator: { _ in [] }) == configuration.renderTOML())
    }

    /// JSON values the file cannot hold faithfully: refused with their paths, nothing written.
    @Test func valuesTheFileCannotHoldAreRefused() throws {
        let directory = TestScratch.directory("store-unwritable")
        let store = Self.store(in: directory)
        _ = try store.patch(with: .table(["segments": .table(["seconds": .integer(4)])]))
        let before = try #require(Self.bytes(store.path))
        let running = store.current
        var deep = ConfigValue.string("bottom")
        for _ in 0..<10 { deep = .table(["d": deep]) }
        let cases: [(ConfigValue, String, String)] = [
            (.double(.nan), "publishing.x", "must be a finite number (NaN and infinity cannot be written to the file)"),
            (.double(.infinity), "publishing.x", "must be a finite number (NaN and infinity cannot be written to the file)"),
            (.array([.double(-.infinity)]), "publishing.x[0]", "must be a finite number (NaN and infinity cannot be written to the file)"),
            (.string("a\u{0}b"), "publishing.x", "must not contain a NUL character"),
            (.table(["k\u{0}": .integer(1)]), #"publishing.x."k\u0000""#, "a key must not contain a NUL character"),
            (deep, "publishing.x.d.d.d.d.d.d.d", "nested deeper than 8 levels"),
        ]
        for (value, path, reason) in cases {
            do {
                _ = try store.patch(with: .table(["publishing": .table(["x": value])]))
                Issue.record("accepted \(value)")
            } catch let error as ConfigurationError {
                #expect(error.problems.contains(ConfigurationProblem(path: path, reason: reason)), "\(error)")
            }
            #expect(Self.bytes(store.path) == before)
            #expect(store.current == running)
        }
        // In the box's own settings too (a NUL would cut a folder name short).
        #expect(throws: ConfigurationError.self) { try store.patch(with: .table(["data_dir": .string("/srv\u{0}/x")])) }
        #expect(Self.bytes(store.path) == before)
    }

    /// A refused change (the validator's rules here) leaves the file byte for byte, its last
    /// good copy and the running configuration as they were.
    @Test func aRefusedChangeTouchesNothing() throws {
        let directory = TestScratch.directory("store-refused")
        let store = Self.store(in: directory) { configuration in
            guard case .table(let publishing)? = configuration.publishing else { return [] }
            return publishing.keys.filter { $0 != "network" && $0 != "streamer" && $0 != "link" && $0 != "batch_interval_seconds" }
                .map { ConfigurationProblem(path: "publishing.\($0)", reason: "unknown key") }
        }
        _ = try store.patch(with: .table(["ring": .table(["budget_mib": .integer(32)])]))
        let file = ConfigurationFile(path: store.path)
        let before = try #require(Self.bytes(file.path)), lastGood = try #require(Self.bytes(file.lastGoodPath))
        #expect(before == lastGood)
        let running = store.current
        #expect(throws: ConfigurationError.self) { try store.patch(with: .table(["publishing": .table([Self.injectionKey: .boolean(true)])])) }
        #expect(Self.bytes(file.path) == before && Self.bytes(file.lastGoodPath) == lastGood)
        #expect(store.current == running)
    }

    /// Every saved change is also the last good copy, with the file's own mode.
    @Test func aSavedChangeIsKeptAsTheLastGoodCopy() throws {
        let directory = TestScratch.directory("store-last-good")
        let store = Self.store(in: directory)
        let file = ConfigurationFile(path: store.path)
        _ = try store.patch(with: .table(["segments": .table(["seconds": .integer(4)])]))
        chmod(file.path, 0o640)
        _ = try store.patch(with: .table(["segments": .table(["seconds": .integer(6)])]))
        let saved = try #require(Self.bytes(file.path))
        #expect(Self.bytes(file.lastGoodPath) == saved)
        #expect(try BoxConfiguration.parse(toml: String(decoding: saved, as: UTF8.self)).segments.seconds == 6)
        for path in [file.path, file.lastGoodPath] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640, "\(path)")
        }
    }

    /// Running on a fallback, any accepted change (even an empty one) replaces the refused
    /// file with what runs, and the origin is the file again.
    @Test func aChangeReplacesAFileRefusedAtStart() throws {
        let directory = TestScratch.directory("store-after-fallback")
        let path = directory.appendingPathComponent("alived.toml").path
        try "[storage.evil]\nx = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let store = Self.store(in: directory, origin: ConfigurationOrigin(
            source: .lastGood, problems: [ConfigurationProblem(path: "storage.evil", reason: "unknown setting")], rejectedFile: path + ".rejected"))
        let report = try store.patch(with: .table([:]))
        #expect(report == ConfigurationStore.ChangeReport(applied: [], restartRequired: []))
        #expect(store.origin == .file)
        #expect(try BoxConfiguration.parse(toml: String(contentsOfFile: path, encoding: .utf8)) == store.current)
        // Nothing was wrong any more: an empty change writes nothing.
        let saved = try #require(Self.bytes(path))
        try FileManager.default.removeItem(atPath: path + ".last-good")
        _ = try store.patch(with: .table([:]))
        #expect(Self.bytes(path) == saved && !FileManager.default.fileExists(atPath: path + ".last-good"))
    }

    /// Problem paths spell keys as the file does: a key with a newline is one quoted key.
    @Test func problemPathsQuoteKeysThatAreNotBare() {
        do {
            _ = try BoxConfiguration(tree: .table(["ingest": .table(["a b": .integer(1), "x\ny": .integer(2)]), "": .integer(3)]))
            Issue.record("accepted unknown keys")
        } catch let error as ConfigurationError {
            #expect(error.problems.map(\.path) == [#""""#, #"ingest."a b""#, #"ingest."x\ny""#], "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

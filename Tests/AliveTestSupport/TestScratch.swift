import Foundation

/// Where tests write their files: one folder per test process below the system's
/// temporary directory, removed when the process exits. A test that forgets its own
/// clean-up, or fails before it, leaves nothing behind in /tmp (runs on a developer's
/// machine had left thousands of entries there).
public enum TestScratch {
    /// `alived-tests-<pid>`, made on first use.
    public static let root: URL = {
        let url = URL(fileURLWithPath: rootPath, isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.rootPath) }
        return url
    }()

    private static var rootPath: String {
        FileManager.default.temporaryDirectory.appendingPathComponent("alived-tests-\(getpid())").path
    }

    /// A fresh, empty directory `<name>-<uuid>` below `root`.
    public static func directory(_ name: String) -> URL {
        let url = root.appendingPathComponent("\(name)-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A path `<name>-<uuid><suffix>` below `root` for a file; not created.
    public static func file(_ name: String, suffix: String = "") -> URL {
        root.appendingPathComponent("\(name)-\(UUID().uuidString)\(suffix)")
    }
}

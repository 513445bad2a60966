import AliveTestSupport
import Foundation
import Testing
@testable import AliveControl

/// The property behind "a PATCH cannot brick the box": for any tree, the store either
/// refuses the change (file and running configuration untouched) or writes a file that
/// parses back to exactly the tree it runs. Never a file that parses differently, or not at all.
@Suite(.timeLimit(.minutes(2)))
struct ConfigurationRoundTripTests {
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func randomTreesAreRefusedOrReadBackExactly(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let directory = TestScratch.directory("round-trip")
        let path = directory.appendingPathComponent("alived.toml").path
        var accepted = 0, refused = 0, violations: [String] = []
        for round in 0..<150 {
            // A few changes in a row, so patches also merge into what earlier ones left.
            try? FileManager.default.removeItem(atPath: path)
            let store = ConfigurationStore(path: path, initial: .default)
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let patch = RandomConfigValue.patch(using: &random)
                let before = FileManager.default.contents(atPath: path), running = store.current
                do {
                    _ = try store.patch(with: patch)
                    accepted += 1
                } catch let error as ConfigurationError {
                    refused += 1
                    if error.problems.isEmpty { violations.append("round \(round): refused without a problem") }
                    if error.problems.contains(where: { $0.path.isEmpty || $0.reason.isEmpty }) { violations.append("round \(round): a problem without path or reason: \(error)") }
                    if FileManager.default.contents(atPath: path) != before { violations.append("round \(round): refused but the file changed") }
                    if store.current != running { violations.append("round \(round): refused but the running configuration changed") }
                    continue
                }
                guard let data = FileManager.default.contents(atPath: path) else {
                    // Nothing to write only when nothing changed.
                    if store.current != .default { violations.append("round \(round): accepted a change but wrote no file") }
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    violations.append("round \(round): the file is not UTF-8")
                    continue
                }
                do {
                    let reread = try BoxConfiguration.parse(toml: text)
                    if reread.tree != store.current.tree { violations.append("round \(round): the file reads back differently:\n\(text)") }
                } catch {
                    violations.append("round \(round): the file does not read back (\(error)):\n\(text)")
                }
            }
        }
        #expect(violations.isEmpty, "\(violations.prefix(3).joined(separator: "\n---\n"))")
        // Both sides are exercised: the writer gets strange trees, the checks refuse some.
        #expect(accepted >= 100 && refused >= 50, "accepted \(accepted), refused \(refused)")
    }
}

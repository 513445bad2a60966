import Foundation

/// Polls `condition` every 50 ms until it holds, for at most `timeout` seconds: every wait
/// in a test is bounded, and says what it waited for when it gives up.
public func waitFor(_ what: String, timeout: Double = 20, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw ExternalProcess.Failure(description: "timed out waiting for: \(what)")
}

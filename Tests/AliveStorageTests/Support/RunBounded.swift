import Foundation

/// Runs a tool to completion, killing it past `timeout` seconds.
func runBounded(_ executable: String, _ arguments: [String], timeout: TimeInterval, quiet: Bool = false) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if quiet { process.standardError = FileHandle.nullDevice }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { usleep(20_000) }
    if process.isRunning {
        process.terminate()
        throw FrontError("\(executable) did not finish within \(timeout) s")
    }
    guard process.terminationStatus == 0 else { throw FrontError("\(executable) exited with \(process.terminationStatus)") }
}

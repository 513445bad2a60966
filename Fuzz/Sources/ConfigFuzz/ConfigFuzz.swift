import AliveControl
import Foundation

/// libFuzzer entry point for what the control plane reads: the configuration file and the
/// API's JSON bodies. The first byte picks the target; the rest is its input. A broken
/// invariant is a `precondition` (a crash libFuzzer reports and keeps).
/// (Tests/AliveControlTests/ConfigFuzzTests.swift runs the same checks, seeded, in the suite.)
@_cdecl("LLVMFuzzerTestOneInput")
public func configFuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let selector = input.first else { return 0 }
    let body = Array(input.dropFirst())
    switch selector % 4 {
    case 0: fuzzConfigurationFile(body)
    case 1: fuzzConfigurationBody(body, replace: false)
    case 2: fuzzConfigurationBody(body, replace: true)
    default: fuzzOtherBodies(body)
    }
    return 0
}

/// Any text: refused as a `ConfigurationError`, or what parses renders to a file that
/// parses to the same tree.
private func fuzzConfigurationFile(_ bytes: [UInt8]) {
    do {
        let configuration = try BoxConfiguration.parse(toml: String(decoding: bytes, as: UTF8.self))
        let again = try BoxConfiguration.parse(toml: configuration.renderTOML())
        precondition(again.tree == configuration.tree, "a file that parses renders to one that parses differently")
    } catch is ConfigurationError {
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
}

/// Where the store writes: a folder of this process's own, in memory when /dev/shm exists
/// (every accepted change is fsync'd twice; on a disk that would be most of the run).
private let storeDirectory: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let directory = (base as NSString).appendingPathComponent("alived-config-fuzz-\(getpid())")
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    atexit { removeStoreDirectory() }
    return directory
}()
private let storePath = (storeDirectory as NSString).appendingPathComponent("alived.toml")

private func removeStoreDirectory() {
    try? FileManager.default.removeItem(atPath: storeDirectory)
}

/// A JSON body decoded as `PATCH`/`PUT /api/v1/config` do, applied to a fresh store: refused
/// with nothing written, or the file on disk parses to exactly the tree the store runs.
/// Without the publishing validator (which lives in the executable), so the `[publishing]`
/// table takes any key and value the writer can be given.
private func fuzzConfigurationBody(_ bytes: [UInt8], replace: Bool) {
    guard let tree = try? JSONDecoder().decode(ConfigValue.self, from: Data(bytes)) else { return }
    try? FileManager.default.removeItem(atPath: storePath)
    let store = ConfigurationStore(path: storePath, initial: .default)
    do {
        _ = replace ? try store.replace(with: tree) : try store.patch(with: tree)
    } catch is ConfigurationError {
        precondition(!FileManager.default.fileExists(atPath: storePath), "a refused change was written")
        precondition(store.current == .default, "a refused change was applied")
        return
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    guard let data = FileManager.default.contents(atPath: storePath) else {
        precondition(store.current == .default, "an accepted change was applied but not written")
        return
    }
    guard let reread = try? BoxConfiguration.parse(toml: String(decoding: data, as: UTF8.self)) else {
        preconditionFailure("the store wrote a file that does not parse")
    }
    precondition(reread.tree == store.current.tree, "the store wrote a file that parses to a different tree")
}

/// The same shapes as ControlServer+Auth's private password bodies.
private struct PasswordBody: Decodable { var password: String }
private struct PasswordChangeBody: Decodable { var current: String; var new: String }
private let streamKeyBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".utf8)

/// The other bodies the routes decode: `PUT /api/v1/secrets` (a string map, its stream-key
/// rule restated independently) and the password bodies. Errors must be decoding errors.
private func fuzzOtherBodies(_ bytes: [UInt8]) {
    let data = Data(bytes)
    do {
        let secrets = try JSONDecoder().decode([String: String].self, from: data)
        if let key = secrets["stream_key"], SecretsStore.isValidStreamKey(key) {
            precondition((8...128).contains(key.utf8.count) && key.utf8.allSatisfy(streamKeyBytes.contains), "stream key accepted: \(key.debugDescription)")
        }
    } catch {
        precondition(error is DecodingError, "unexpected error type: \(error)")
    }
    for decode in [{ _ = try JSONDecoder().decode(PasswordBody.self, from: data) }, { _ = try JSONDecoder().decode(PasswordChangeBody.self, from: data) }] {
        do { try decode() } catch {
            precondition(error is DecodingError, "unexpected error type: \(error)")
        }
    }
}

// As in RTMPFuzz: SwiftPM links executables with `--defsym main=ConfigFuzz_main`, which
// `-parse-as-library` leaves undefined; this defines it and hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("ConfigFuzz_main")
public func configFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments = argv
    return llvmFuzzerRunDriver(&count, &arguments) { data, size in
        guard let data else { return 0 }
        return configFuzzOneInput(data, size)
    }
}

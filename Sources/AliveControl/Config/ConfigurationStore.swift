import Foundation
import Synchronization

/// The running configuration and the file it lives in. Changes are validated as a whole,
/// and the exact text about to be written is read back and checked as the next start will
/// (`BoxConfiguration.fileText`) before it is written atomically and applied; a refused
/// change leaves the running configuration (and the file) as they were.
public final class ConfigurationStore: Sendable {
    /// What a change did.
    public struct ChangeReport: Sendable, Equatable {
        /// Field paths whose new value is in effect now.
        public var applied: [String]
        /// Field paths whose new value is saved but takes effect at the next start.
        public var restartRequired: [String]
    }

    /// Settings every running box takes without a restart. Everything else (ports,
    /// addresses, ring size, data folder, RTMP limits) is read once at start, unless the
    /// box says it applies more (`runtimeSettings` at init: storage endpoints, the batch
    /// interval, when those stages run).
    public static let alwaysAtRuntime: Set<String> = ["segments.seconds", "http.open_hls", "http.open_metrics", "http.allowed_hosts"]
    let runtimeSettings: Set<String>

    public let path: String
    private let file: ConfigurationFile
    private let state: Mutex<(configuration: BoxConfiguration, origin: ConfigurationOrigin)>
    private let listeners: Mutex<[@Sendable (BoxConfiguration) -> Void]> = Mutex([])
    private let validator: @Sendable (BoxConfiguration) -> [ConfigurationProblem]

    /// - Parameter origin: where `initial` came from at start (`ConfigurationFile.loadAtStart`).
    /// - Parameter validator: checks what the box's own rules cannot (the `[publishing]`
    ///   table belongs to AlivePublish); a change with any problem is refused like any other.
    public init(path: String, initial: BoxConfiguration, origin: ConfigurationOrigin = .file,
                runtimeSettings: Set<String> = ConfigurationStore.alwaysAtRuntime,
                validator: @escaping @Sendable (BoxConfiguration) -> [ConfigurationProblem] = { _ in [] }) {
        self.path = path
        self.file = ConfigurationFile(path: path)
        self.state = Mutex((initial, origin))
        self.runtimeSettings = runtimeSettings
        self.validator = validator
    }

    public var current: BoxConfiguration { state.withLock { $0.configuration } }

    /// Where the running configuration came from; `.file` again once a change is saved.
    public var origin: ConfigurationOrigin { state.withLock { $0.origin } }

    /// Called with the new configuration after every successful change.
    public func onChange(_ listener: @escaping @Sendable (BoxConfiguration) -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// Replaces the whole configuration with `tree` (missing keys take their defaults).
    public func replace(with tree: ConfigValue) throws -> ChangeReport {
        try change { _ in try BoxConfiguration(tree: tree) }
    }

    /// Lays `patch` over the running configuration.
    public func patch(with patch: ConfigValue) throws -> ChangeReport {
        try change { current in try BoxConfiguration(tree: current.tree.merging(patch)) }
    }

    private func change(_ make: (BoxConfiguration) throws -> BoxConfiguration) throws -> ChangeReport {
        let (next, report) = try state.withLock { state -> (BoxConfiguration, ChangeReport) in
            let next = try make(state.configuration)
            let problems = validator(next)
            if !problems.isEmpty { throw ConfigurationError(problems: problems) }
            let changed = Self.changedPaths(from: state.configuration.tree, to: next.tree)
            // A file refused at start still holds what was refused: any accepted change,
            // even one that changes nothing, replaces it with what runs.
            if !changed.isEmpty || !state.origin.problems.isEmpty {
                try file.save(next.fileText(validator: validator))
                state = (next, .file)
            }
            return (next, ChangeReport(
                applied: changed.filter { runtimeSettings.contains($0) },
                restartRequired: changed.filter { !runtimeSettings.contains($0) }))
        }
        if !(report.applied.isEmpty && report.restartRequired.isEmpty) {
            for listener in listeners.withLock({ $0 }) { listener(next) }
        }
        return report
    }

    static func changedPaths(from old: ConfigValue, to new: ConfigValue, prefix: String = "") -> [String] {
        guard case .table(let a) = old, case .table(let b) = new else { return old == new ? [] : [prefix] }
        return Set(a.keys).union(b.keys).sorted().flatMap { key -> [String] in
            let path = TOMLString.path(prefix, key)
            switch (a[key], b[key]) {
            case let (x?, y?): return changedPaths(from: x, to: y, prefix: path)
            default: return [path]
            }
        }
    }
}

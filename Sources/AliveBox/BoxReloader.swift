import AliveControl
import AlivePublish
import Synchronization

/// Live reconfiguration in one place: each saved change is compared with the configuration
/// the stages run now, and only the stages whose settings changed are told (replacing the
/// storage endpoints for a new segment length would reset their cool-downs). What a stage
/// cannot take while running is saved for the restart the API asked for.
final class BoxReloader: Sendable {
    /// What one change does to the running stages; nil fields leave their stage alone.
    struct Plan: Equatable, Sendable {
        /// The segmenter's target duration for the next segment it opens.
        var segmentSeconds: Int?
        /// New endpoints for the storage backend the box started with (same kind).
        var storage: BoxConfiguration.Storage?
        /// The publisher's batch interval.
        var batchInterval: Duration?

        var isEmpty: Bool { self == Plan() }
    }

    /// What the box was started with: the kinds of stage it runs.
    let started: BoxConfiguration
    private let running: Mutex<BoxConfiguration>

    init(started: BoxConfiguration) {
        self.started = started
        self.running = Mutex(started)
    }

    /// The settings a box started with `configuration` applies while running; the
    /// configuration store reports every other changed setting as "restart required".
    static func liveSettings(for configuration: BoxConfiguration) -> Set<String> {
        var settings = ConfigurationStore.alwaysAtRuntime
        if ![.none, .box].contains(configuration.storage.backend) { settings.insert("storage.endpoints") }
        if configuration.publishing != nil { settings.insert("publishing.batch_interval_seconds") }
        return settings
    }

    /// The plan for `next`, which then counts as running.
    func change(to next: BoxConfiguration) -> Plan {
        let previous = running.withLock { running in
            defer { running = next }
            return running
        }
        return Self.plan(from: previous, to: next, started: started)
    }

    static func plan(from previous: BoxConfiguration, to next: BoxConfiguration, started: BoxConfiguration) -> Plan {
        var plan = Plan()
        if next.segments.seconds != previous.segments.seconds { plan.segmentSeconds = next.segments.seconds }
        // A change of backend kind (or to `none`/`box`, which have no endpoints) needs a
        // restart: the stage and its feed were built for the kind the box started with.
        if next.storage != previous.storage, next.storage.backend == started.storage.backend,
           liveSettings(for: started).contains("storage.endpoints") {
            plan.storage = next.storage
        }
        if started.publishing != nil, next.publishing != previous.publishing {
            let before = try? previous.publishingConfiguration()?.batchInterval
            let after = try? next.publishingConfiguration()?.batchInterval
            if let after, after != before { plan.batchInterval = after }
        }
        return plan
    }
}

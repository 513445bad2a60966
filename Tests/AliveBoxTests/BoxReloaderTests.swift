@testable import AliveBox
import AliveControl
import Testing

/// Live reconfiguration: only the stages whose settings changed are told.
@Suite struct BoxReloaderTests {
    static func kubo(_ endpoints: [String] = ["http://127.0.0.1:5001"]) -> BoxConfiguration {
        var configuration = BoxConfiguration.default
        configuration.storage.backend = .kubo
        configuration.storage.endpoints = endpoints
        return configuration
    }

    @Test func aNewSegmentLengthTouchesOnlyTheSegmenter() {
        let started = Self.kubo()
        var next = started
        next.segments.seconds = 4
        #expect(BoxReloader.plan(from: started, to: next, started: started) == .init(segmentSeconds: 4))
    }

    @Test func newEndpointsTouchOnlyStorage() {
        let started = Self.kubo()
        let next = Self.kubo(["http://127.0.0.1:5002", "http://127.0.0.1:5001"])
        #expect(BoxReloader.plan(from: started, to: next, started: started) == .init(storage: next.storage))
    }

    /// The stage and its feed were built for the kind the box started with.
    @Test func anotherBackendKindWaitsForTheRestart() {
        let started = Self.kubo()
        var next = started
        next.storage.backend = .skynet
        #expect(BoxReloader.plan(from: started, to: next, started: started).isEmpty)
        var boxStarted = BoxConfiguration.default
        boxStarted.storage.backend = .box
        var boxNext = boxStarted
        boxNext.storage.cidVersion = 1
        #expect(BoxReloader.plan(from: boxStarted, to: boxNext, started: boxStarted).isEmpty)
    }

    @Test func aNewBatchIntervalTouchesOnlyThePublisher() {
        let started = BoxConfiguration.default
        var next = started
        next.publishing = .table(["network": .string("local"), "streamer": .string("alived"), "link": .string("box"),
                                  "batch_interval_seconds": .integer(45)])
        #expect(BoxReloader.plan(from: started, to: next, started: started) == .init(batchInterval: .seconds(45)))
        // Another publishing key changes no running stage (it is saved for the restart).
        var linkOnly = started
        linkOnly.publishing = .table(["network": .string("local"), "streamer": .string("alived"), "link": .string("venue"),
                                      "batch_interval_seconds": .integer(30)])
        #expect(BoxReloader.plan(from: started, to: linkOnly, started: started).isEmpty)
    }

    @Test func theControlPlanesOwnSettingsTouchNoStage() {
        let started = Self.kubo()
        var next = started
        next.http.openHLS = false
        next.http.allowedHosts = ["box.venue.example"]
        next.ingest.rtmpPort = 1936   // saved for the restart
        #expect(BoxReloader.plan(from: started, to: next, started: started).isEmpty)
    }

    /// Each change is planned against the one before it, not against the start.
    @Test func changesFollowEachOther() {
        let reloader = BoxReloader(started: Self.kubo())
        var first = Self.kubo()
        first.segments.seconds = 6
        #expect(reloader.change(to: first) == .init(segmentSeconds: 6))
        #expect(reloader.change(to: first).isEmpty)
        var second = first
        second.segments.seconds = 10
        #expect(reloader.change(to: second) == .init(segmentSeconds: 10))
    }

    @Test func liveSettingsFollowTheStagesTheBoxRuns() {
        #expect(BoxReloader.liveSettings(for: Self.kubo()).isSuperset(of: ["storage.endpoints", "publishing.batch_interval_seconds", "segments.seconds"]))
        var bare = BoxConfiguration()
        bare.storage.backend = .none
        #expect(BoxReloader.liveSettings(for: bare) == ConfigurationStore.alwaysAtRuntime)
    }
}

@testable import AliveBox
import AliveControl
import AliveMedia
import AlivePublish
import AliveStorage
import Testing

/// The box's configuration cut into each stage's own.
@Suite struct BoxStageConfigurationTests {
    @Test func mediaStagesTakeTheirFields() throws {
        var configuration = BoxConfiguration()
        configuration.ingest.listen = "127.0.0.1"
        configuration.ingest.rtmpPort = 1940
        configuration.ingest.maxMessageKiB = 1024
        configuration.ingest.maxChunkSize = 4096
        configuration.ingest.handshakeTimeoutSeconds = 3
        configuration.ingest.idleTimeoutSeconds = 20
        configuration.ingest.publishTimeoutSeconds = 7
        configuration.ingest.maxConnectionsPerAddress = 2
        configuration.ring.budgetMiB = 16
        configuration.ring.playlistWindow = 4
        configuration.segments.seconds = 3
        let rtmp = configuration.rtmpConfiguration
        #expect(rtmp.host == "127.0.0.1" && rtmp.port == 1940)
        #expect(rtmp.limits.maxMessageLength == 1 << 20 && rtmp.limits.maxChunkSize == 4096)
        #expect(rtmp.handshakeTimeout == .seconds(3) && rtmp.idleTimeout == .seconds(20) && rtmp.publishTimeout == .seconds(7))
        #expect(rtmp.admission.maxPerAddress == 2)
        #expect(configuration.ringConfiguration.budgetBytes == 16 << 20 && configuration.ringConfiguration.playlistWindow == 4)
        #expect(configuration.segmenterConfiguration.targetDurationMilliseconds == 3000)
    }

    /// An empty file runs each stage on that stage's own defaults.
    @Test func anEmptyFileRunsEveryStageOnItsOwnDefaults() throws {
        let configuration = try BoxConfiguration.parse(toml: "")
        let rtmp = configuration.rtmpConfiguration, stage = RTMPServer.Configuration()
        #expect(rtmp.host == stage.host && rtmp.port == stage.port)
        #expect(rtmp.handshakeTimeout == stage.handshakeTimeout && rtmp.idleTimeout == stage.idleTimeout
                && rtmp.publishTimeout == stage.publishTimeout)
        #expect(rtmp.limits.maxMessageLength == stage.limits.maxMessageLength && rtmp.limits.maxChunkSize == stage.limits.maxChunkSize)
        #expect(rtmp.admission.maxPerAddress == stage.admission.maxPerAddress)
        #expect(configuration.ringConfiguration.budgetBytes == SegmentRing.Configuration().budgetBytes
                && configuration.ringConfiguration.playlistWindow == SegmentRing.Configuration().playlistWindow)
        #expect(configuration.segmenterConfiguration.targetDurationMilliseconds == Segmenter.Configuration().targetDurationMilliseconds)
        var camera = configuration.cameraConfiguration, cameraStage = CameraConfiguration()
        // The one derived default: a keyframe at every segment boundary.
        #expect(camera.keyframeIntervalFrames == camera.framesPerSecond * configuration.segments.seconds)
        camera.keyframeIntervalFrames = cameraStage.keyframeIntervalFrames
        #expect(camera == cameraStage)
    }

    @Test func storageTakesItsBackendAndForms() throws {
        var configuration = BoxConfiguration()
        #expect(configuration.storageConfiguration(onBox: OnBoxContent()).map(\.backend.kind) == nil)
        configuration.storage.backend = .cluster
        configuration.storage.endpoints = ["http://127.0.0.1:9094"]
        configuration.storage.cidVersion = 1
        configuration.storage.uploadTimeoutSeconds = 20
        let storage = try #require(configuration.storageConfiguration(onBox: OnBoxContent()))
        #expect(storage.cidVersion == .v1 && storage.uploadTimeout == .seconds(20))
        guard case .ipfs(let endpoints) = storage.backend else { Issue.record("not IPFS: \(storage.backend.kind)"); return }
        #expect(endpoints.map(\.url) == ["http://127.0.0.1:9094"] && endpoints.allSatisfy { $0.api == .cluster && $0.pin })
    }

    /// Handed over as a tree, the table reads as the file's text does, problems and all.
    @Test func publishingReadsTheTreeAsTheFileReadsTheText() throws {
        var configuration = BoxConfiguration.default
        configuration.publishing = .table([
            "network": .string("hive"), "streamer": .string("venue"), "link": .string("night-{n}"),
            "batch_interval_seconds": .integer(60), "end_on_stop": .boolean(false),
            "hive": .table(["api_nodes": .array([.string("http://127.0.0.1:8091"), .string("http://127.0.0.1:8092")])]),
            "alivedb": .table(["url": .string("http://127.0.0.1:3006"), "user_id": .string("venue")]),
        ])
        let fromTree = try #require(try configuration.publishingConfiguration())
        let fromText = try PublishingConfiguration.parse(toml: configuration.renderTOML())
        #expect(fromTree == fromText)
        #expect(fromTree.network == .hive && fromTree.hive.apiNodes.count == 2 && fromTree.aliveDB?.userID == "venue")

        configuration.publishing = .table(["network": .string("hive"), "streamer": .string("venue"), "batch_interval_seconds": .string("soon")])
        let problems = configuration.publishingProblems().map(\.path)
        #expect(problems.contains("publishing.batch_interval_seconds"), "\(problems)")
        #expect(BoxConfiguration().publishingProblems().isEmpty)
    }
}

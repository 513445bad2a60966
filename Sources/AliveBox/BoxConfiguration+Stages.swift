import AliveControl
import AliveMedia
import AlivePublish
import AliveStorage
import NIOCore

/// The box's one configuration cut into each stage's own typed configuration: every
/// stage is built from its value here, and nowhere else reads the file's fields for it.
extension BoxConfiguration {
    var ringConfiguration: SegmentRing.Configuration {
        SegmentRing.Configuration(budgetBytes: ring.budgetMiB << 20, playlistWindow: ring.playlistWindow)
    }

    var segmenterConfiguration: Segmenter.Configuration {
        Segmenter.Configuration(targetDurationSeconds: segments.seconds)
    }

    var rtmpConfiguration: RTMPServer.Configuration {
        var limits = RTMPLimits.default
        limits.maxMessageLength = ingest.maxMessageKiB << 10
        limits.maxChunkSize = ingest.maxChunkSize
        return RTMPServer.Configuration(
            host: ingest.listen, port: ingest.rtmpPort, limits: limits,
            handshakeTimeout: .seconds(Int64(ingest.handshakeTimeoutSeconds)),
            idleTimeout: .seconds(Int64(ingest.idleTimeoutSeconds)),
            publishTimeout: .seconds(Int64(ingest.publishTimeoutSeconds)),
            admission: .init(maxPerAddress: ingest.maxConnectionsPerAddress))
    }

    /// The storage stage's configuration; nil for `none` (segments stay in the ring).
    /// - Parameter onBox: the box's own store, for `backend = "box"`.
    func storageConfiguration(onBox: OnBoxContent) -> StorageConfiguration? {
        guard let backend = storage.stageBackend(onBox: onBox) else { return nil }
        var configuration = StorageConfiguration(backend: backend)
        configuration.cidVersion = storage.cidVersion == 1 ? .v1 : .v0
        configuration.uploadTimeout = .seconds(storage.uploadTimeoutSeconds)
        return configuration
    }

    /// The `[publishing]` table read by AlivePublish's own rules, handed over as a tree
    /// (never printed and parsed again); nil without a table.
    public func publishingConfiguration() throws -> PublishingConfiguration? {
        guard let publishing else { return nil }
        guard let table = publishing.tomlValue.table else {
            throw PublishError(.configuration, "publishing: must be a table")
        }
        return try PublishingConfiguration.parse(table: table)
    }
}

extension BoxConfiguration.Storage {
    /// The endpoints of the configured backend; nil for `none`.
    func stageBackend(onBox: OnBoxContent) -> StorageConfiguration.Backend? {
        switch backend {
        case .none: nil
        case .box: .onBox(onBox)
        case .kubo: .ipfs(endpoints.map { IPFSEndpoint(api: .kuboRPC, url: $0, pin: pin) })
        case .cluster: .ipfs(endpoints.map { IPFSEndpoint(api: .cluster, url: $0, pin: pin) })
        case .skynet: .skynet(endpoints.map { SkynetPortal(url: $0) })
        }
    }
}

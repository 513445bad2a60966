import Logging
import Synchronization

/// Stores one object (segment or chunk file) at the configured endpoints: computes
/// the CID on the box first (IPFS kinds), then tries the endpoints in order, skipping
/// those that failed within `endpointCooldown` while another is available (so after a
/// primary fails the secondary is used, and the primary is tried first again once its
/// cool-down has passed). An IPFS answer whose CID differs from the box's is a failure
/// of that endpoint, logged with both hashes; it is never returned.
///
/// One call is one attempt per endpoint; retrying over time is `StorageStage`'s job.
public final class StorageUploader: Sendable {
    public let configuration: StorageConfiguration
    private let client: HTTPClient
    private let endpoints: [any EndpointUploader]
    private let lastFailure: Mutex<[ContinuousClock.Instant?]>
    private let logger: Logger

    public init(configuration: StorageConfiguration, client: HTTPClient, logger: Logger = Logger(label: "alived.storage")) throws(StorageError) {
        try configuration.validate()
        self.configuration = configuration
        self.client = client
        self.logger = logger
        switch configuration.backend {
        case .ipfs(let list): endpoints = list.map { IPFSUploader(endpoint: $0) }
        case .skynet(let list): endpoints = list.map { SkynetUploader(portal: $0) }
        case .authenticatedUploader(let list): endpoints = list.map { AuthenticatedUploader(endpoint: $0) }
        }
        lastFailure = Mutex(Array(repeating: nil, count: endpoints.count))
    }

    /// Whether this backend's hashes are IPFS CIDs computed on the box.
    public var computesCID: Bool {
        if case .skynet = configuration.backend { return false }
        return true
    }

    /// Stores `object`, returning the hash to publish. Throws the last endpoint's error
    /// when every endpoint failed, `CancellationError` when the task is cancelled.
    public func store(_ object: StorageObject) async throws -> StoredObject {
        let cid = computesCID ? UnixFSFileHasher(version: configuration.cidVersion).cid(of: object.bytes) : nil
        var lastError = StorageError(.noEndpoint, "no storage endpoint configured")
        for index in attemptOrder() {
            try Task.checkCancellation()
            let endpoint = endpoints[index]
            let started = ContinuousClock.now
            do {
                let hash = try await upload(object, to: endpoint, expecting: cid)
                lastFailure.withLock { $0[index] = nil }
                return StoredObject(hash: hash, cid: cid, endpoint: endpoint.label, byteCount: object.bytes.count,
                                    uploadTime: ContinuousClock.now - started)
            } catch let error as StorageError {
                lastFailure.withLock { $0[index] = ContinuousClock.now }
                lastError = error
                logger.warning("storage endpoint failed", metadata: [
                    "storage.endpoint": "\(endpoint.label)", "storage.object": "\(object.name)",
                    "storage.error": "\(error)",
                ])
            }
        }
        throw lastError
    }

    private func upload(_ object: StorageObject, to endpoint: any EndpointUploader,
                        expecting cid: ContentIdentifier?) async throws -> String {
        var request = endpoint.request(for: object, cidVersion: configuration.cidVersion)
        request.connectTimeout = configuration.connectTimeout
        request.totalTimeout = configuration.uploadTimeout
        request.maxResponseBytes = 64 * 1024
        let response = try await client.send(request)
        guard response.isSuccess else {
            throw StorageError(.httpStatus, "\(endpoint.label) answered HTTP \(response.status): \(response.bodyText())")
        }
        let hash = try endpoint.hash(from: response)
        if endpoint.answersCID, let cid, hash != cid.description {
            logger.error("storage endpoint answered a different CID", metadata: [
                "storage.endpoint": "\(endpoint.label)", "storage.object": "\(object.name)",
                "storage.cid.device": "\(cid)", "storage.cid.endpoint": "\(hash)",
            ])
            throw StorageError(.cidMismatch, "\(endpoint.label) answered \(hash), the box computed \(cid)")
        }
        return hash
    }

    /// Endpoints not cooling down, in configured order, then the cooling ones.
    private func attemptOrder() -> [Int] {
        let now = ContinuousClock.now
        let cooldown = configuration.endpointCooldown
        let failures = lastFailure.withLock { $0 }
        let ready = failures.indices.filter { failures[$0].map { now - $0 >= cooldown } ?? true }
        return ready + failures.indices.filter { !ready.contains($0) }
    }
}

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
/// The endpoint list can be replaced while running (`replaceBackend`); an upload already
/// under way finishes on the list it started with.
public final class StorageUploader: Sendable {
    /// The configuration the uploader was made with (timeouts, CID version, cool-down);
    /// `backend` is the current endpoint list.
    public var configuration: StorageConfiguration { state.withLock { $0.configuration } }
    private let client: HTTPClient
    private let state: Mutex<EndpointState>
    private let logger: Logger

    private struct EndpointState {
        var configuration: StorageConfiguration
        var endpoints: [any EndpointUploader]
        var lastFailure: [ContinuousClock.Instant?]

        init(_ configuration: StorageConfiguration) {
            self.configuration = configuration
            switch configuration.backend {
            case .ipfs(let list): endpoints = list.map { IPFSUploader(endpoint: $0) }
            case .skynet(let list): endpoints = list.map { SkynetUploader(portal: $0) }
            case .authenticatedUploader(let list): endpoints = list.map { AuthenticatedUploader(endpoint: $0) }
            case .onBox: endpoints = []
            }
            lastFailure = Array(repeating: nil, count: endpoints.count)
        }
    }

    public init(configuration: StorageConfiguration, client: HTTPClient, logger: Logger = Logger(label: "alived.storage")) throws(StorageError) {
        try configuration.validate()
        self.client = client
        self.logger = logger
        state = Mutex(EndpointState(configuration))
    }

    /// Switches to other endpoints of the same kind (IPFS, Skynet, authenticated uploader)
    /// for the next uploads; another kind would change the hashes and needs a restart.
    /// Refused (nothing changes) when the new list is invalid or of another kind.
    public func replaceBackend(_ backend: StorageConfiguration.Backend) throws(StorageError) {
        var next = configuration
        guard next.backend.kind == backend.kind else {
            throw StorageError(.invalidRequest, "the storage kind cannot change while running (\(next.backend.kind) → \(backend.kind))")
        }
        next.backend = backend
        try next.validate()
        let replaced = next
        state.withLock { $0 = EndpointState(replaced) }
        logger.notice("storage endpoints replaced", metadata: ["storage.endpoints": "\(backend.count)"])
    }

    /// Whether this backend's hashes are IPFS CIDs computed on the box.
    public var computesCID: Bool { configuration.backend.computesCID }

    /// Stores `object`, returning the hash to publish. Throws the last endpoint's error
    /// when every endpoint failed, `CancellationError` when the task is cancelled.
    public func store(_ object: StorageObject) async throws -> StoredObject {
        let (configuration, endpoints, order) = state.withLock { ($0.configuration, $0.endpoints, Self.attemptOrder($0)) }
        let started = ContinuousClock.now
        let cid = configuration.backend.computesCID ? UnixFSFileHasher(version: configuration.cidVersion).cid(of: object.bytes) : nil
        if case .onBox(let content) = configuration.backend, let cid {
            try content.add(object, cid: cid.description)
            return StoredObject(hash: cid.description, cid: cid, endpoint: "box", byteCount: object.bytes.count,
                                uploadTime: ContinuousClock.now - started)
        }
        var lastError = StorageError(.noEndpoint, "no storage endpoint configured")
        for index in order {
            try Task.checkCancellation()
            let endpoint = endpoints[index]
            let started = ContinuousClock.now
            do {
                let hash = try await upload(object, to: endpoint, expecting: cid, configuration: configuration)
                noteOutcome(of: endpoint, failedAt: nil)
                return StoredObject(hash: hash, cid: cid, endpoint: endpoint.label, byteCount: object.bytes.count,
                                    uploadTime: ContinuousClock.now - started)
            } catch let error as StorageError {
                noteOutcome(of: endpoint, failedAt: ContinuousClock.now)
                lastError = error
                logger.warning("storage endpoint failed", metadata: [
                    "storage.endpoint": "\(endpoint.label)", "storage.object": "\(object.name)",
                    "storage.error": "\(error)",
                ])
            }
        }
        throw lastError
    }

    /// Records an endpoint's last failure (nil: it worked), if it is still in the list.
    private func noteOutcome(of endpoint: any EndpointUploader, failedAt instant: ContinuousClock.Instant?) {
        state.withLock { state in
            if let index = state.endpoints.firstIndex(where: { $0.label == endpoint.label }) { state.lastFailure[index] = instant }
        }
    }

    private func upload(_ object: StorageObject, to endpoint: any EndpointUploader,
                        expecting cid: ContentIdentifier?, configuration: StorageConfiguration) async throws -> String {
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
    private static func attemptOrder(_ state: EndpointState) -> [Int] {
        let now = ContinuousClock.now
        let cooldown = state.configuration.endpointCooldown
        let failures = state.lastFailure
        let ready = failures.indices.filter { failures[$0].map { now - $0 >= cooldown } ?? true }
        return ready + failures.indices.filter { !ready.contains($0) }
    }
}

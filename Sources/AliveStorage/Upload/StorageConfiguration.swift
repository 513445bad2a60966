/// Where and how segments and chunk files are stored. Plain values: the control
/// module maps the box's TOML config onto this.
public struct StorageConfiguration: Sendable {
    /// One kind of storage per box; each kind lists endpoints tried in order (fail-over).
    public enum Backend: Sendable {
        case ipfs([IPFSEndpoint])
        case skynet([SkynetPortal])
        case authenticatedUploader([AuthenticatedUploaderEndpoint])
        /// The box itself: CIDs computed here, content served by its own gateway.
        case onBox(OnBoxContent)

        /// The kind of storage, whatever the endpoints: its hashes mean the same.
        public var kind: String {
            switch self {
            case .ipfs: "ipfs"
            case .skynet: "skynet"
            case .authenticatedUploader: "authenticated uploader"
            case .onBox: "box"
            }
        }

        /// Whether this backend's hashes are IPFS CIDs computed on the box (all but Skynet).
        public var computesCID: Bool {
            if case .skynet = self { return false }
            return true
        }

        public var count: Int {
            switch self {
            case .ipfs(let list): list.count
            case .skynet(let list): list.count
            case .authenticatedUploader(let list): list.count
            case .onBox: 1
            }
        }
    }

    public var backend: Backend
    /// CID form computed on the box and asked of IPFS endpoints (Kubo defaults to v0).
    public var cidVersion: CIDVersion = .v0
    public var connectTimeout: Duration = .seconds(5)
    /// Whole-upload limit for one attempt at one endpoint.
    public var uploadTimeout: Duration = .seconds(60)
    public var retry: RetryPolicy = RetryPolicy()
    /// After a failure, an endpoint is skipped for this long while another one is
    /// available; then it is tried first again (primary back).
    public var endpointCooldown: Duration = .seconds(30)
    /// Uploads whose speed (segment duration / upload time) falls below this factor of
    /// real time raise the slow-upload warning.
    public var minimumRealTimeFactor: Double = 0.9
    /// Segments waiting for upload at most; when full the oldest waiting one is
    /// reported as a gap (policy `dropOldestAsGap`). The ring is the real bound: a waiting
    /// segment is a hold on its ring pages (the entry here is a few words), and the ring
    /// evicts the oldest held one when it needs room. So this only has to exceed what a ring
    /// can hold — 64 lost segments in a 2-minute outage with the ring a quarter full (S1 of
    /// scripts/e2e-scenarios).
    public var maxPendingSegments: Int = 4096

    public init(backend: Backend) {
        self.backend = backend
    }

    func validate() throws(StorageError) {
        let urls: [String]
        switch backend {
        case .ipfs(let endpoints): urls = endpoints.map(\.url)
        case .skynet(let portals): urls = portals.map(\.url)
        case .authenticatedUploader(let endpoints):
            urls = endpoints.map(\.url)
            if endpoints.contains(where: { $0.accessToken.isEmpty }) {
                throw StorageError(.invalidRequest, "authenticated uploader without an access token")
            }
        case .onBox:
            urls = []
        }
        let needsEndpoints: Bool
        if case .onBox = backend { needsEndpoints = false } else { needsEndpoints = true }
        guard !needsEndpoints || !urls.isEmpty else { throw StorageError(.noEndpoint, "no storage endpoint configured") }
        for url in urls {
            let lower = url.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), !url.contains("?") else {
                throw StorageError(.invalidRequest, "endpoint must be an http(s) URL without a query: \(HTTPRequest.redact(url))")
            }
        }
        guard connectTimeout > .zero, uploadTimeout > .zero, maxPendingSegments > 0,
              minimumRealTimeFactor > 0, endpointCooldown >= .zero else {
            throw StorageError(.invalidRequest, "storage time-outs and limits must be positive")
        }
        try retry.validate()
    }
}

/// A Kubo RPC API (`POST /api/v0/add`) or an IPFS Cluster REST API (`POST /add`).
public struct IPFSEndpoint: Sendable {
    public enum API: String, Sendable {
        case kuboRPC
        case cluster
    }

    public var api: API
    /// Base URL, e.g. `http://127.0.0.1:5001` (Kubo) or `http://cluster:9094`.
    public var url: String
    public var pin: Bool
    /// Extra headers (e.g. `Authorization` for a cluster behind basic auth). Never logged.
    public var headers: [HTTPHeader]

    public init(api: API, url: String, pin: Bool = true, headers: [HTTPHeader] = []) {
        self.api = api
        self.url = url
        self.pin = pin
        self.headers = headers
    }
}

/// A self-hosted Skynet portal (`POST /skynet/skyfile`).
public struct SkynetPortal: Sendable {
    public var url: String
    /// Sent as `Skynet-Api-Key` when set. Never logged.
    public var apiKey: String?

    public init(url: String, apiKey: String? = nil) {
        self.url = url
        self.apiKey = apiKey
    }
}

/// An uploader in the style of oneloveipfs: `POST /uploadStream?access_token=…`
/// (multipart `segment` + `streamId`) and `POST /uploadChunk` (form field `content`),
/// both answering `{"hash": …}`, an IPFS CID checked against the box's.
public struct AuthenticatedUploaderEndpoint: Sendable {
    public var url: String
    /// From the signed login; a secret, never logged.
    public var accessToken: String
    public var streamID: String

    public init(url: String, accessToken: String, streamID: String) {
        self.url = url
        self.accessToken = accessToken
        self.streamID = streamID
    }
}

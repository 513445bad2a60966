import Foundation

/// What the status shows about publishing (absent when the configuration has no
/// `[publishing]` table). Filled by the executable from the publisher's own status, so
/// the control plane needs no ledger code.
public struct PublishingSummary: Sendable, Encodable {
    /// idle, starting, running, stopping, stopped, failed.
    public var phase: String
    /// hive, avalon or none (AliveDB only).
    public var network: String
    public var streamer: String
    /// The open stream's link; absent when no stream is open.
    public var link: String?
    /// `publishing.link`: the template each stream's link comes from.
    public var linkTemplate: String
    /// The open stream (one link per event); absent when none is open.
    public var stream: OpenStream?
    /// Streams that are over or being ended, newest first.
    public var pastStreams: [PastStream] = []
    /// Stored segments no stream took (ended from the page with the encoder still sending).
    public var unpublishedSegments = 0
    public var segmentsReceived: Int
    public var gaps: Int
    /// Segments published with the discontinuity mark (the first after a gap, an encoder
    /// reconnect or a restart).
    public var discontinuities: Int
    /// AliveDB: absent when no AliveDB is configured.
    public var aliveDB: AliveDB?
    /// The next seq the journal gives out, the highest one on-chain and its transaction.
    public var nextSeq: Int64?
    public var lastConfirmedSeq: Int64?
    public var lastTransactionID: String?
    public var pushesConfirmed: Int
    /// Network `local`: the newest pushes as recorded (Alive Protocol payload JSON).
    public var localPushes: [String]?
    public var streamEnded: Bool
    public var lastProblem: String?

    public struct OpenStream: Sendable, Encodable, Equatable {
        public var link: String
        public var openedAt: Date?
        public var segments: Int
        /// The first seq on-chain, and the seq the next push gets.
        public var firstSeq: Int64?
        public var nextSeq: Int64?
        /// Where a viewer watches it (an HAlive node's `/stream/<streamer>/<link>`), when one is configured.
        public var viewerURL: String?

        public init(link: String, openedAt: Date?, segments: Int, firstSeq: Int64?, nextSeq: Int64?, viewerURL: String?) {
            self.link = link
            self.openedAt = openedAt
            self.segments = segments
            self.firstSeq = firstSeq
            self.nextSeq = nextSeq
            self.viewerURL = viewerURL
        }
    }

    public struct PastStream: Sendable, Encodable, Equatable {
        public var link: String
        public var openedAt: Date?
        /// Absent while its end is on its way.
        public var endedAt: Date?
        public var segments: Int
        public var firstSeq: Int64?
        public var lastSeq: Int64?
        public var endTransactionID: String?
        public var viewerURL: String?

        public init(link: String, openedAt: Date?, endedAt: Date?, segments: Int, firstSeq: Int64?, lastSeq: Int64?,
                    endTransactionID: String?, viewerURL: String?) {
            self.link = link
            self.openedAt = openedAt
            self.endedAt = endedAt
            self.segments = segments
            self.firstSeq = firstSeq
            self.lastSeq = lastSeq
            self.endTransactionID = endTransactionID
            self.viewerURL = viewerURL
        }
    }

    public struct AliveDB: Sendable, Encodable {
        public var pushed: Int
        public var failed: Int
        public var dropped: Int
        /// After a restart: segments AliveDB already held (not pushed again), and ones it
        /// held that the journal had not recorded (recorded then, for the ledger).
        public var alreadyHeld: Int
        public var recovered: Int

        public init(pushed: Int, failed: Int, dropped: Int, alreadyHeld: Int = 0, recovered: Int = 0) {
            self.pushed = pushed
            self.failed = failed
            self.dropped = dropped
            self.alreadyHeld = alreadyHeld
            self.recovered = recovered
        }
    }

    public init(phase: String, network: String, streamer: String, link: String?, linkTemplate: String, segmentsReceived: Int, gaps: Int,
                aliveDB: AliveDB?, nextSeq: Int64?, lastConfirmedSeq: Int64?, lastTransactionID: String?,
                pushesConfirmed: Int, streamEnded: Bool, lastProblem: String?, localPushes: [String]? = nil,
                discontinuities: Int = 0) {
        self.phase = phase
        self.network = network
        self.streamer = streamer
        self.link = link
        self.linkTemplate = linkTemplate
        self.segmentsReceived = segmentsReceived
        self.gaps = gaps
        self.aliveDB = aliveDB
        self.nextSeq = nextSeq
        self.lastConfirmedSeq = lastConfirmedSeq
        self.lastTransactionID = lastTransactionID
        self.pushesConfirmed = pushesConfirmed
        self.streamEnded = streamEnded
        self.lastProblem = lastProblem
        self.localPushes = localPushes
        self.discontinuities = discontinuities
    }
}

import AliveStorage
import AliveTestSupport
import Foundation

/// Keys the tests sign with. The posting key is the ledger vectors' made-up key; the
/// public key strings were printed by hive-nectar / coincurve + base58 (independent
/// of our code), so the doubles' accounts do not come from the code under test.
enum TestKeys {
    static let postingWIF = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
    static let postingPublic = "TST5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs"
    /// sha256("alived-publish-test-wrong-key") as a WIF: a valid key of nobody's account.
    static let wrongWIF = "5JT8Fs5mkkZhu9fLXLeARkYczFALaX4kNc9yExFhejEV6ZtR4rp"
    static let wrongPublic = "TST8bNP8thCmN94jRmrmFoV7thG4qyEDx7jT3DzsvVZTphoWwLj9H"
    /// sha256("alived-publish-test-avalon"), base58.
    static let avalonKey = "A9uK3eNRdVoHxnAfpvycT9LnvBG1UFqaVym9UV93UKFh"
    static let avalonPublic = "25QGXeaXdCG4GtHHr1YMKKjfHn6hv5wXkvkMhYs1ugLeL"
    /// Hive's public testnet chain id: signatures for it are worthless on mainnet.
    static let chainID = "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e"
    static let prefix = "TST"
}

/// Tests/Support/ledger_doubles.py: Hive nodes over one chain, Avalon, AliveDB, the
/// HAlive indexer and test control, all on 127.0.0.1.
final class LedgerDoubles: @unchecked Sendable {
    // @unchecked: set in init, read-only afterwards; HTTPClient is Sendable.
    struct Ports: Decodable {
        let hive: [Int]
        let avalon: Int
        let alivedb: Int
        let control: Int
    }

    let ports: Ports
    let server: SupportScript
    let client: HTTPClient

    var hiveURLs: [String] { ports.hive.map { "http://127.0.0.1:\($0)" } }
    var avalonURL: String { "http://127.0.0.1:\(ports.avalon)" }
    var aliveDBURL: String { "http://127.0.0.1:\(ports.alivedb)" }
    var controlURL: String { "http://127.0.0.1:\(ports.control)" }
    /// The indexer double lives on the control server.
    var indexerURL: String { controlURL }

    /// Accounts: `alice` with the posting key and the Avalon key.
    static func start(hiveNodes: Int = 2, extraArguments: [String] = [],
                      accounts: String? = nil) async throws -> LedgerDoubles {
        let directory = TestScratch.directory("ledger-doubles")
        let accountsFile = directory.appendingPathComponent("accounts.json")
        let text = accounts ?? """
            {"hive": {"alice": {"posting": ["\(TestKeys.postingPublic)"]}},
             "avalon": {"alice": {"pub": "\(TestKeys.avalonPublic)", "keys": []}}}
            """
        try Data(text.utf8).write(to: accountsFile)
        let server = try await SupportScript.start(script: "ledger_doubles.py", arguments: [
            "--accounts", accountsFile.path, "--hive-nodes", "\(hiveNodes)", "--chain-id", TestKeys.chainID,
            "--prefix", TestKeys.prefix,
        ] + extraArguments)
        let ports = try JSONDecoder().decode(Ports.self, from: Data(server.payload.utf8))
        return try LedgerDoubles(server: server, ports: ports)
    }

    private init(server: SupportScript, ports: Ports) throws {
        self.server = server
        self.ports = ports
        var configuration = HTTPClient.Configuration()
        configuration.totalTimeout = .seconds(20)
        client = try HTTPClient(configuration: configuration)
    }

    func stop() {
        client.shutdown()
        server.stop()
    }

    /// Switches a server's fault mode (see ledger_doubles.py).
    func setMode(_ target: String, _ mode: String, only: [String] = []) async throws {
        let response = try await client.send(HTTPRequest(
            method: .post, url: "\(controlURL)/__mode?target=\(target)&set=\(mode)&only=\(only.joined(separator: ","))",
            body: .bytes(OwnedBytes([]), contentType: "text/plain")))
        guard response.status == 200 else { throw TestFailure("mode switch failed: \(response.status)") }
    }

    func revokeTokens() async throws {
        let response = try await client.send(HTTPRequest(
            method: .post, url: "\(controlURL)/__revoke_tokens", body: .bytes(OwnedBytes([]), contentType: "text/plain")))
        guard response.status == 200 else { throw TestFailure("revoke failed: \(response.status)") }
    }

    func state() async throws -> DoublesState {
        let response = try await client.send(.get("\(controlURL)/__state"))
        guard response.status == 200 else { throw TestFailure("state failed: \(response.status)") }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(DoublesState.self, from: Data(response.body))
    }

    /// Waits (bounded) until `condition` holds for the doubles' state.
    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: (DoublesState) -> Bool) async throws -> DoublesState {
        let deadline = ContinuousClock.now + timeout
        while true {
            let state = try await state()
            if condition(state) { return state }
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// `GET /__state` of the doubles.
struct DoublesState: Decodable {
    struct Hive: Decodable {
        let head: Int
        let lib: Int
        let acceptedOps: [HiveOp]
        let broadcastCalls: [String: Int]
        let refusals: [Refusal]
        let mempool: Int
    }

    struct HiveOp: Decodable {
        let block: Int
        let txid: String
        let op: String
        let id: String?
        let requiredPostingAuths: [String]?
        let json: AliveJSON?
    }

    /// The decoded `json` of an Alive `custom_json`.
    struct AliveJSON: Decodable {
        let op: Int
        let seq: Int?
        let link: String
        let src: String?
        let len: Double?
        /// alived's discontinuity mark on a single-segment push (1), absent otherwise.
        let disc: Int?
        let pub: String?
        let gw: String?
    }

    struct Refusal: Decodable {
        let node: String
        let message: String
        let txid: String
    }

    struct Avalon: Decodable {
        let head: Int
        let ops: [AvalonOp]
        let playlists: [String: Playlist]
        let transactCalls: Int
        let refusals: [String]
    }

    struct AvalonOp: Decodable {
        let block: Int
        let hash: String
        let type: Int
        let sender: String
    }

    struct Playlist: Decodable {
        let playlist: [String: String]
    }

    struct AliveDB: Decodable {
        let items: [Item]
        let signins: Int
        let refusals: [String]
        /// GET /getStream calls.
        let lookups: Int
    }

    struct Item: Decodable {
        let src: String
        let len: Double
        let streamer: String
        let link: String
        let arrivalNs: Int64
    }

    let hive: Hive
    let avalon: Avalon
    let alivedb: AliveDB

    /// The Alive ops of one stream as the chain holds them, in block order.
    func aliveOps(link: String, customJSONID: String = "alive-test") -> [AliveJSON] {
        hive.acceptedOps.filter { $0.op == "custom_json" && $0.id == customJSONID && $0.json?.link == link }.compactMap(\.json)
    }

    /// The seqs of op 0 of one stream, in block order.
    func pushSeqs(link: String) -> [Int] {
        aliveOps(link: link).filter { $0.op == 0 }.compactMap(\.seq)
    }

    var totalBroadcastCalls: Int { hive.broadcastCalls.values.reduce(0, +) }
}

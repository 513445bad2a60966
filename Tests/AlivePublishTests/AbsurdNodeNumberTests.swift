import AliveStorage
import AliveTestSupport
import Foundation
import Logging
import Testing
@testable import AlivePublish

/// Issue 15: an Avalon node's block timestamp near Int64.max made the box's `ts + 60 s`
/// trap, and an indexer's `chunk_finalized` of Int64.max trapped at every start; a number
/// from a node is checked before any arithmetic.
@Suite(.timeLimit(.minutes(2))) struct AbsurdNodeNumberTests {
    /// A loopback server answering `body(path)` (Python's http.server), and a wait until it answers.
    static func serve(_ pythonBody: String) throws -> (ExternalProcess.Running, Int) {
        let port = try closedLoopbackPort()
        let server = try ExternalProcess.start("python3", ["-c", """
            import http.server, json
            class H(http.server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_GET(self):
                    body = json.dumps(\(pythonBody)).encode()
                    self.send_response(200); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
            http.server.HTTPServer(("127.0.0.1", \(port)), H).serve_forever()
            """])
        return (server, port)
    }

    /// `body` retried while the server is still starting (unreachable), for at most 20 s.
    static func onceServing<T>(_ body: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            do {
                return try await body()
            } catch let error as PublishError where error.kind == .unreachable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test(arguments: [Int64.max, Int64.max - 1, 17_282, -1])
    func anAbsurdChunkFinalizedIsABadAnswerNotACrash(seq: Int64) async throws {
        let (server, port) = try Self.serve(#"{"id": 1, "chunk_finalized": \#(seq), "ended": False}"#)
        defer { server.stop() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let indexer = IndexerClient(url: "http://127.0.0.1:\(port)", http: http, requestTimeout: .seconds(2))
        do {
            let info = try await Self.onceServing { try await indexer.streamInfo(author: "alice", link: "x") }
            Issue.record("chunk_finalized \(seq) was taken: \(String(describing: info))")
        } catch let error as PublishError where error.kind == .badAnswer {
            #expect(error.detail.contains("chunk_finalized"), "\(error)")
        }
    }

    @Test func haliveAnswersForAStreamItDoesNotKnowAreNil() async throws {
        let (server, port) = try Self.serve(#"{"error": "Stream does not exist"}"#)
        defer { server.stop() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let indexer = IndexerClient(url: "http://127.0.0.1:\(port)", http: http, requestTimeout: .seconds(2))
        #expect(try await Self.onceServing { try await indexer.streamInfo(author: "alice", link: "x") } == nil)
        #expect(try await indexer.chunkFinalized(author: "alice", link: "x") == nil)
    }

    @Test(arguments: [Int64.max, Int64.max - 1_000, -1, 0, 7_258_118_400_001])
    func anAbsurdBlockTimestampIsABadAnswerNotACrash(timestamp: Int64) async throws {
        let (server, port) = try Self.serve(#"{"count": 7} if self.path == "/count" else {"_id": 7, "timestamp": \#(timestamp)}"#)
        defer { server.stop() }
        let http = try HTTPClient()
        defer { http.shutdown() }
        let client = AvalonNodeClient(nodes: ["http://127.0.0.1:\(port)"], http: http, requestTimeout: .seconds(2), cooldown: .zero,
                                      logger: Logger(label: "test.avalon"))
        do {
            let time = try await Self.onceServing { try await client.chainTimeMilliseconds() }
            Issue.record("a timestamp of \(timestamp) was taken as chain time \(time)")
        } catch let error as PublishError where error.kind == .badAnswer {
            #expect(error.detail.contains("not a chain time"), "\(error)")
        }
    }
}

import Testing
@testable import AliveControl

struct BoxConfigurationTests {
    /// A file states what it wants: an empty one stores and publishes nothing (a file
    /// written before the box could store on itself keeps meaning what it meant).
    @Test func emptyFileIsTheBareConfiguration() throws {
        let configuration = try BoxConfiguration.parse(toml: "")
        #expect(configuration == BoxConfiguration())
        #expect(configuration.ingest.rtmpPort == 1935 && configuration.http.port == 8080)
        #expect(configuration.segments.seconds == 10 && configuration.ring.budgetMiB == 64)
        #expect(configuration.storage.backend == .none && configuration.publishing == nil)
    }

    /// Without a file the box does the whole job on itself: it stores on the box and
    /// publishes to its journal.
    @Test func theEmbeddedDefaultStoresOnTheBoxAndPublishesLocally() throws {
        let configuration = BoxConfiguration.default
        #expect(configuration.validate().isEmpty)
        #expect(configuration.storage.backend == .box && configuration.storage.endpoints.isEmpty)
        guard case .table(let publishing) = configuration.publishing else {
            Issue.record("no [publishing] table in the embedded default")
            return
        }
        #expect(publishing["network"] == .string("local"))
        // What the box writes when it first saves a change reads back the same.
        let reread = try BoxConfiguration.parse(toml: configuration.renderTOML())
        #expect(reread == configuration)
    }

    @Test func readsEverySetting() throws {
        let configuration = try BoxConfiguration.parse(toml: """
            data_dir = "/var/lib/alived"
            [ingest]
            listen = "127.0.0.1"
            rtmp_port = 1936
            app = "venue"
            handshake_timeout_seconds = 3
            idle_timeout_seconds = 20
            max_message_kib = 4096
            max_chunk_size = 4096
            [segments]
            seconds = 4
            [ring]
            budget_mib = 32
            playlist_window = 5
            [http]
            listen = "127.0.0.1"
            port = 8081
            open_hls = false
            open_metrics = false
            """)
        #expect(configuration.dataDirectory == "/var/lib/alived")
        #expect(configuration.ingest.listen == "127.0.0.1" && configuration.ingest.rtmpPort == 1936)
        #expect(configuration.ingest.app == "venue")
        #expect(configuration.ingest.handshakeTimeoutSeconds == 3 && configuration.ingest.idleTimeoutSeconds == 20)
        #expect(configuration.ingest.maxMessageKiB == 4096 && configuration.ingest.maxChunkSize == 4096)
        #expect(configuration.segments.seconds == 4)
        #expect(configuration.ring.budgetMiB == 32 && configuration.ring.playlistWindow == 5)
        #expect(configuration.http.listen == "127.0.0.1" && configuration.http.port == 8081)
        #expect(!configuration.http.openHLS && !configuration.http.openMetrics)
    }

    @Test func reportsEveryProblemWithItsPath() {
        #expect(throws: ConfigurationError.self) { try BoxConfiguration.parse(toml: "[segments]\nseconds = 11") }
        do {
            _ = try BoxConfiguration.parse(toml: """
                [ingest]
                rtmp_port = "1935"
                stream_kye = "typo"
                [ring]
                budget_mib = 1.5
                [nonsense]
                """)
            Issue.record("accepted a bad file")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.path)) == ["ingest.rtmp_port", "ingest.stream_kye", "ring.budget_mib", "nonsense"])
            #expect(error.problems.first { $0.path == "ingest.rtmp_port" }?.reason == "must be an integer, not a string")
        } catch {
            Issue.record("unexpected \(error)")
        }
        var configuration = BoxConfiguration.default
        configuration.segments.seconds = 0
        configuration.ring.budgetMiB = 1
        configuration.ingest.app = "../etc"
        configuration.http.port = 70_000
        #expect(Set(configuration.validate().map(\.path)) == ["segments.seconds", "ring.budget_mib", "ingest.app", "http.port"])
    }

    @Test func secretsAreRefusedInTheConfigurationFile() {
        do {
            _ = try BoxConfiguration.parse(toml: "[ingest]\nstream_key = \"abcdefgh\"\n")
            Issue.record("accepted a secret in the configuration")
        } catch let error as ConfigurationError {
            #expect(error.problems.map(\.path) == ["ingest.stream_key"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func treeAndTOMLRoundTrip() throws {
        var configuration = BoxConfiguration.default
        configuration.ingest.app = "venue"
        configuration.dataDirectory = "/srv/alived \"box\"\\\n"
        configuration.segments.seconds = 4
        configuration.http.openHLS = false
        #expect(try BoxConfiguration(tree: configuration.tree) == configuration)
        #expect(try BoxConfiguration.parse(toml: configuration.renderTOML()) == configuration)
        let patched = try BoxConfiguration(tree: configuration.tree.merging(.table(["segments": .table(["seconds": .integer(6)])])))
        #expect(patched.segments.seconds == 6 && patched.ingest.app == "venue")
    }

    @Test func storageSettingsAreChecked() throws {
        let kubo = try BoxConfiguration.parse(toml: "[storage]\nbackend = \"kubo\"\nendpoints = [\"http://10.0.0.2:5001\", \"https://ipfs.example\"]\ncid_version = 1\n")
        #expect(kubo.storage.backend == .kubo && kubo.storage.endpoints.count == 2 && kubo.storage.cidVersion == 1)
        do {
            _ = try BoxConfiguration.parse(toml: "[storage]\nbackend = \"s3\"\nendpoints = [\"ftp://x\", 3]\n")
            Issue.record("accepted bad storage settings")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.path)) == ["storage.backend", "storage.endpoints[1]"])
        }
        do {
            _ = try BoxConfiguration.parse(toml: "[storage]\nbackend = \"cluster\"\nendpoints = [\"ftp://x\"]\ncid_version = 2\n")
            Issue.record("accepted bad storage settings")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.path)) == ["storage.endpoints[0]", "storage.cid_version"])
        }
        #expect(throws: ConfigurationError.self) { try BoxConfiguration.parse(toml: "[storage]\nbackend = \"skynet\"\n") }
    }

    @Test func syntaxErrorsNameTheLine() {
        do {
            _ = try BoxConfiguration.parse(toml: "[ingest]\nrtmp_port = = 3\n")
            Issue.record("accepted a syntax error")
        } catch let error as ConfigurationError {
            #expect(error.problems.count == 1)
            #expect(error.problems[0].reason.hasPrefix("line 2"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func segmentNamesAreStrict() {
        #expect(ControlServer.sequence(fromSegmentName: "12.ts") == 12)
        #expect(ControlServer.sequence(fromSegmentName: "0.ts") == 0)
        for bad in ["", ".ts", "12", "12.mp4", "-1.ts", "1e3.ts", "../1.ts", "99999999999999999999999.ts", "١.ts"] {
            #expect(ControlServer.sequence(fromSegmentName: bad) == nil, "\(bad)")
        }
    }
}

struct PublishingPassthroughTests {
    @Test func thePublishingTableIsKeptAsWritten() throws {
        let text = "[publishing]\nnetwork = \"hive\"\nstreamer = \"venue\"\n[publishing.hive]\napi_nodes = [\"http://127.0.0.1:8091\"]\n"
        let configuration = try BoxConfiguration.parse(toml: text)
        guard case .table(let publishing)? = configuration.publishing else { Issue.record("publishing dropped"); return }
        #expect(publishing["streamer"] == .string("venue"))
        // Saving the configuration (a PATCH from the page) keeps it.
        let again = try BoxConfiguration.parse(toml: configuration.renderTOML())
        #expect(again.publishing == configuration.publishing)
        #expect(throws: ConfigurationError.self) { try BoxConfiguration.parse(toml: "publishing = 3\n") }
    }
}

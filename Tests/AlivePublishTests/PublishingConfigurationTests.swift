import Foundation
import Testing
@testable import AlivePublish

@Suite struct PublishingConfigurationTests {
    static let full = """
        data_dir = "/var/lib/alived"
        [ingest]
        rtmp_port = 1935

        [publishing]
        network = "hive"
        streamer = "alice"
        link = "stream_1-a"
        batch_interval_seconds = 2.5
        end_on_stop = false
        configure_on_start = false
        gateway = "https://ipfs.io"
        storage = "skynet"
        indexer_url = "https://halive.example/api"
        secrets_file = "/var/lib/alived/secrets.toml"
        request_timeout_seconds = 7
        node_cooldown_seconds = 12
        confirmation_poll_seconds = 0.5
        rebroadcast_seconds = 20
        max_retry_delay_seconds = 40
        stop_timeout_seconds = 90

        [publishing.hive]
        api_nodes = ["https://api.hive.blog", "https://anyx.io/"]
        custom_json_id = "alive"
        chain_id = "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e"
        public_key_prefix = "TST"
        transaction_expiration_seconds = 600

        [publishing.alivedb]
        url = "http://127.0.0.1:3010"
        user_id = "box"
        queue_capacity = 16
        attempts = 2
        """

    @Test func everyKeyIsRead() throws {
        let configuration = try PublishingConfiguration.parse(toml: Self.full)
        #expect(configuration.network == .hive)
        #expect(configuration.streamer == "alice" && configuration.link == "stream_1-a")
        #expect(configuration.batchInterval == .milliseconds(2500))
        #expect(!configuration.endOnStop && !configuration.configureOnStart)
        #expect(configuration.gateway == "https://ipfs.io" && configuration.storage == .skynet)
        #expect(configuration.indexerURL == "https://halive.example/api")
        #expect(configuration.secretsFile == "/var/lib/alived/secrets.toml")
        #expect(configuration.requestTimeout == .seconds(7) && configuration.nodeCooldown == .seconds(12))
        #expect(configuration.confirmationPollInterval == .milliseconds(500) && configuration.rebroadcastInterval == .seconds(20))
        #expect(configuration.maximumRetryDelay == .seconds(40) && configuration.stopTimeout == .seconds(90))
        #expect(configuration.hive.apiNodes == ["https://api.hive.blog", "https://anyx.io/"])
        #expect(configuration.hive.customJSONID == "alive" && configuration.hive.publicKeyPrefix == "TST")
        #expect(configuration.hive.chainIDHex == "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e")
        #expect(configuration.hive.transactionExpiration == .seconds(600))
        #expect(configuration.aliveDB == PublishingConfiguration.AliveDB(url: "http://127.0.0.1:3010", userID: "box").with {
            $0.queueCapacity = 16
            $0.attempts = 2
        })
    }

    @Test func defaultsAreTheProtocolsOnes() throws {
        let configuration = try PublishingConfiguration.parse(toml: "[publishing]\nnetwork = \"none\"\n")
        #expect(configuration.network == .none)
        #expect(configuration.batchInterval == .seconds(60))
        // A stop (an upgrade, a setting) does not end the event; the idle time does.
        #expect(!configuration.endOnStop && configuration.configureOnStart)
        #expect(configuration.idleEnd == .seconds(600) && configuration.viewerURL == nil)
        #expect(configuration.hive.customJSONID == "alive-test")
        #expect(configuration.hive.chainIDHex == "beeab0de00000000000000000000000000000000000000000000000000000000")
        #expect(configuration.hive.publicKeyPrefix == "STM")
        #expect(configuration.aliveDB == nil && configuration.indexerURL == nil)
    }

    @Test func everyProblemIsReportedWithItsPath() throws {
        let text = """
            [publishing]
            network = "steem"
            streamer = 5
            link = "no spaces please"
            batch_interval_seconds = -1
            end_on_stop = "yes"
            colour = "blue"
            [publishing.hive]
            api_nodes = "https://one"
            chain_id = "beef"
            [publishing.alivedb]
            url = "ftp://x"
            """
        let error = #expect(throws: PublishError.self) { try PublishingConfiguration.parse(toml: text) }
        #expect(error?.kind == .configuration)
        let detail = error?.detail ?? ""
        for expected in [
            "publishing.network: must be \"hive\", \"avalon\", \"local\" or \"none\"",
            "publishing.streamer: must be a string",
            "publishing.batch_interval_seconds: must be 0–86400 seconds",
            "publishing.end_on_stop: must be true or false",
            "publishing.colour: unknown key",
            "publishing.hive.api_nodes: must be an array of strings",
        ] {
            #expect(detail.contains(expected), "missing \(expected) in \(detail)")
        }
    }

    @Test func rangesAreCheckedAfterTypes() throws {
        let text = """
            [publishing]
            network = "hive"
            streamer = "Alice"
            link = "no spaces please"
            batch_interval_seconds = 301
            indexer_url = "https://x/?a=b"
            [publishing.hive]
            api_nodes = ["ftp://node"]
            chain_id = "beef"
            custom_json_id = "an-id-that-is-much-longer-than-32-bytes"
            transaction_expiration_seconds = 4000
            """
        let error = #expect(throws: PublishError.self) { try PublishingConfiguration.parse(toml: text) }
        let detail = error?.detail ?? ""
        for expected in [
            "publishing.batch_interval_seconds: must be 0–300",
            "publishing.link: must make links of 1–50 characters of A–Z, a–z, 0–9, _ and - (\"no spaces please\" can make \"no spaces please\")",
            "publishing.streamer: must be a Hive account name",
            "publishing.hive.api_nodes[0]: must be an http(s) URL",
            "publishing.hive.chain_id: chain id must be 32 bytes",
            "publishing.hive.custom_json_id: must be 1–32 bytes",
            "publishing.hive.transaction_expiration_seconds: must be 30–3600",
            "publishing.indexer_url: must be an http(s) URL",
        ] {
            #expect(detail.contains(expected), "missing \(expected) in \(detail)")
        }
    }

    @Test func aliveDBSignInNeedsHive() throws {
        var configuration = PublishingConfiguration()
        configuration.network = .avalon
        configuration.streamer = "alice"
        configuration.link = "abc"
        configuration.avalon.apiNodes = ["https://avalon.example"]
        configuration.aliveDB = .init(url: "http://127.0.0.1:3010")
        #expect(configuration.validate().map(\.path).contains("publishing.alivedb"))
        configuration.network = .none
        #expect(configuration.validate().map(\.path) == ["publishing.hive.api_nodes"], "the head block for the login comes from Hive")
        configuration.hive.apiNodes = ["http://127.0.0.1:8091"]
        #expect(configuration.validate() == [])
    }

    @Test func missingTableOrBadTOMLIsAClearError() {
        let missing = #expect(throws: PublishError.self) { try PublishingConfiguration.parse(toml: "[ingest]\nrtmp_port = 1\n") }
        #expect(missing?.detail.contains("no [publishing] table") == true)
        let broken = #expect(throws: PublishError.self) { try PublishingConfiguration.parse(toml: "[publishing\n") }
        #expect(broken?.detail.contains("line 1") == true)
    }
}

extension PublishingConfiguration.AliveDB {
    func with(_ change: (inout Self) -> Void) -> Self {
        var copy = self
        change(&copy)
        return copy
    }
}

/// `publishing.link` as a template of one link per event.
@Suite struct StreamLinkTemplateTests {
    @Test func placeholdersExpandToTheDateAndTheNumber() throws {
        // 2026-12-07T01:32:25Z
        let at: Int64 = 1_796_607_145_000
        #expect(try StreamLinkTemplate("venue-{date}-{n}").link(number: 3, at: at) == "venue-20261207-3")
        #expect(try StreamLinkTemplate("{n}").link(number: 12, at: at) == "12")
        #expect(StreamLinkTemplate.civilDate(daysSinceEpoch: 0) == (1970, 1, 1))
        #expect(StreamLinkTemplate.civilDate(daysSinceEpoch: 11_016) == (2000, 2, 29))
    }

    @Test func withoutANumberTheFirstLinkIsTheTextAndTheNextOnesGetASuffix() throws {
        let template = try StreamLinkTemplate("stream1")
        #expect(!template.hasPlaceholders)
        #expect(template.link(number: 1, at: 0) == "stream1")
        #expect(template.link(number: 2, at: 0) == "stream1-2")
        #expect(try StreamLinkTemplate("gig-{date}").link(number: 2, date: (2027, 1, 5)) == "gig-20270105-2")
    }

    @Test(arguments: [
        ("", "must make links of 1–50 characters"),
        ("a b", "must make links of 1–50 characters"),
        ("{when}", "unknown placeholder {when}"),
        ("a{n", "has a \"{\" without \"}\""),
        ("a}", "has a \"}\" without \"{\""),
        ("{n}{n}", "has {n} more than once"),
        (String(repeating: "x", count: 45), "can make \"" + String(repeating: "x", count: 45) + "-99999\""),
        ("event-{date}-{n}-" + String(repeating: "x", count: 30), "must make links of 1–50 characters"),  // 51 with n = 99999
    ])
    func aTemplateThatCanMakeAnInvalidLinkIsRefusedWithItsPath(text: String, reason: String) {
        #expect {
            try StreamLinkTemplate(text)
        } throws: { error in
            let problem = error as? PublishingConfigurationProblem
            return problem?.path == "publishing.link" && problem?.reason.contains(reason) == true
        }
    }

    @Test func avalonLinksAreThreeCharactersAtLeast() throws {
        #expect(throws: PublishingConfigurationProblem.self) { try StreamLinkTemplate("ab", minimumLength: 3) }
        #expect(try StreamLinkTemplate("ab{n}", minimumLength: 3).link(number: 1, at: 0) == "ab1")
    }

    @Test func theConfigurationReadsTheTemplateIdleTimeAndViewerURL() throws {
        let configuration = try PublishingConfiguration.parse(toml: """
            [publishing]
            network = "none"
            streamer = "alice"
            link = "venue-{date}-{n}"
            idle_end_seconds = 45
            viewer_url = "https://halive.example/"
            [publishing.hive]
            api_nodes = ["http://127.0.0.1:1"]
            """)
        #expect(configuration.idleEnd == .seconds(45))
        #expect(configuration.viewerURL(link: "venue-20261207-1") == "https://halive.example/stream/alice/venue-20261207-1")
        let error = #expect(throws: PublishError.self) {
            try PublishingConfiguration.parse(toml: "[publishing]\nnetwork = \"local\"\nstreamer = \"box\"\nidle_end_seconds = 5\nlink = \"{x}\"\n")
        }
        #expect(error?.problems.map(\.path).sorted() == ["publishing.idle_end_seconds", "publishing.link"])
    }
}

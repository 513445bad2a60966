// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "alived",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "alived", targets: ["alived"]),
        // for the libFuzzer package in Fuzz/ (a separate package so the normal build is unaffected)
        .library(name: "AliveMedia", targets: ["AliveMedia"]),
        .library(name: "AliveControl", targets: ["AliveControl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // the publishing journal (SQLite)
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavdevice-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])]
        ),
        .systemLibrary(
            name: "CSecp256k1",
            pkgConfig: "libsecp256k1",
            providers: [.apt(["libsecp256k1-dev"])]
        ),
        // Base58, shared by the ledger's keys and storage's CIDs (no dependencies)
        .target(name: "AliveEncoding"),
        // keys, signatures, Hive / Avalon / AliveDB wire formats (no network I/O)
        .target(
            name: "AliveLedger",
            dependencies: [
                "AliveEncoding",
                "CSecp256k1",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // durable publishing journal (SQLite through GRDB)
        .target(
            name: "AliveJournal",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // child process of the journal crash test: writes, gets kill -9'd, restarts
        .executableTarget(
            name: "alived-crash-journal",
            dependencies: ["AliveJournal"],
            path: "Sources/CrashJournal"
        ),
        .testTarget(
            name: "AliveLedgerTests",
            dependencies: [
                "AliveEncoding",
                "AliveLedger",
                "AliveTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "AliveJournalTests",
            dependencies: ["AliveJournal", "AliveTestSupport", "alived-crash-journal", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // glibc's malloc.h (mallopt for alived's MallocTuning, malloc_trim after libav work)
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // ingest -> segment -> ring -> local HLS preview
        .target(
            name: "AliveMedia",
            dependencies: [
                "CFFmpeg",
                "CMalloc",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // config, HTTP (HLS preview, health), beside the media path
        .target(
            name: "AliveControl",
            dependencies: [
                "AliveMedia",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // the control plane's own event loop thread
                .product(name: "NIOPosix", package: "swift-nio"),
                // the RTMP stage's time-outs, the defaults of [ingest]
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // the status page, compiled into the binary (no resource bundle to install)
            resources: [
                .embedInCode("Page/Resources/status.html"),
                .embedInCode("Page/Resources/status.css"),
                .embedInCode("Page/Resources/status.js"),
            ]
        ),
        // segments to IPFS / Skynet over libcurl, on-device CIDs, chunk files
        .target(
            name: "AliveStorage",
            dependencies: [
                "AliveEncoding",
                "AliveMedia",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // AliveDB / Hive / Avalon clients over AliveStorage's HTTP client, the batching
        // exactly-once publisher over the journal, key and stream tools
        .target(
            name: "AlivePublish",
            dependencies: [
                "AliveLedger",
                "AliveJournal",
                .product(name: "Crypto", package: "swift-crypto"),
                "AliveStorage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // child process of the publishing crash test: publishes, gets kill -9'd, restarts
        .executableTarget(
            name: "alived-crash-publish",
            dependencies: [
                "AlivePublish",
                "AliveJournal",
                "AliveLedger",
                "AliveStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CrashPublish"
        ),
        // signing time per transaction, "segment stored" -> AliveDB push latency (the publishing budgets)
        .executableTarget(
            name: "alived-bench-publish",
            dependencies: [
                "AlivePublish",
                "AliveJournal",
                "AliveLedger",
                "AliveStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BenchPublish"
        ),
        .testTarget(
            name: "AlivePublishTests",
            dependencies: [
                "AlivePublish",
                "AliveJournal",
                "AliveLedger",
                "AliveStorage",
                "AliveTestSupport",
                "alived-crash-publish",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // the box that joins the stages: built from one configuration, live reconfiguration,
        // the service order, systemd's notifications
        .target(
            name: "AliveBox",
            dependencies: [
                "AliveMedia",
                "AliveControl",
                "AliveStorage",
                "AlivePublish",
                "AliveLedger",
                "AliveJournal",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AliveBoxTests",
            dependencies: [
                "AliveBox",
                "AliveControl",
                "AliveMedia",
                "AliveTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // the command line: loads the configuration and runs the box, plus the tools
        .executableTarget(
            name: "alived",
            dependencies: [
                "CMalloc",
                "AliveBox",
                "AliveMedia",
                "AliveControl",
                "AliveStorage",
                "AlivePublish",
                "AliveLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // the first-boot settings file; the event loops the watchdog probes
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // prints the keyframe thumbnail's cost and the segmenter with/without its tap (bench/thumbnail)
        .executableTarget(
            name: "alived-bench-thumbnail",
            dependencies: [
                "AliveMedia",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/BenchThumbnail"
        ),
        // Shared by the test targets: running ffmpeg/ffprobe and the built binary with bounded waits.
        .target(name: "AliveTestSupport", path: "Tests/AliveTestSupport"),
        .testTarget(
            name: "AliveMediaTests",
            dependencies: [
                "AliveMedia",
                "AliveTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // independent HMAC-SHA256 for the RTMP digest-handshake client in the tests
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "AliveControlTests",
            dependencies: [
                "AliveControl",
                "AliveMedia",
                "AliveTestSupport",
                // in-process route tests (HummingbirdTesting), and requests with a Host of their own
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // Runs the built `alived` executable (scripts/test builds it first).
        .testTarget(
            name: "alivedTests",
            dependencies: [
                "AliveTestSupport",
                // unit tests of the executable's first-boot and command code
                "alived",
                "AliveBox",
                // the configuration store with the executable's own validator, files read back
                "AliveControl",
                "AliveMedia",
                "AlivePublish",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AliveStorageTests",
            dependencies: [
                "AliveStorage",
                "AliveTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "alived-bench-storage",
            dependencies: [
                "AliveStorage",
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BenchStorage"
        ),
    ]
)

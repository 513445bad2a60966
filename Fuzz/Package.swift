// swift-tools-version:6.0
// libFuzzer harnesses: RTMPFuzz for the RTMP ingest parsers (chunk decoder, AMF0, FLV tags,
// handshake), ConfigFuzz for the configuration file (TOML) and the control API's JSON bodies.
// A separate package, so the root package's normal `swift build` never links a binary whose
// `main` is libFuzzer's. Not built by scripts/test; the seeded fuzz tests in
// Tests/AliveMediaTests/RTMPFuzzTests.swift and Tests/AliveControlTests/ConfigFuzzTests.swift
// run in the normal suite instead.
//
// scripts/fuzz [--seconds N] builds this package and runs each target for N seconds. By hand
// (from this directory; the first build takes ~8 minutes on 2 cores):
//   swift build -c release -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library
//   mkdir -p corpus && .build/release/RTMPFuzz corpus -max_total_time=120 -max_len=4096 -print_final_stats=1
// (Measured here: ~20,000 inputs/s, 2.4 million inputs in 120 s, no crash.)
import PackageDescription

let package = Package(
    name: "alived-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        // named, because a path dependency is otherwise identified by its folder name
        .package(name: "alived", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "RTMPFuzz",
            dependencies: [
                .product(name: "AliveMedia", package: "alived"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "ConfigFuzz",
            dependencies: [
                .product(name: "AliveControl", package: "alived"),
            ]
        ),
    ]
)

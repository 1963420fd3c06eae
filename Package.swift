// swift-tools-version: 6.0
import PackageDescription

/// KloudBuster in Swift. DESIGN.md §2 draws the targets; each issue adds the ones it needs.
let package = Package(
    name: "KloudBuster",
    products: [
        .executable(name: "kb-agent", targets: ["kb-agent"]),
        .executable(name: "kloudbuster", targets: ["kloudbuster"]),
        .executable(name: "kb-bench-aggregate", targets: ["kb-bench-aggregate"]),
        .executable(name: "kb-bench-heartbeat", targets: ["kb-bench-heartbeat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The HTTP load engine in C11: epoll, one loop per thread, hg_* API.
        .target(
            name: "CHttpGen",
            cSettings: [.unsafeFlags(["-O2", "-std=gnu11"])],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto"), .linkedLibrary("pthread"), .linkedLibrary("m")]
        ),
        // libcurl behind a C shim (curl_easy_setopt is variadic), for the OpenStack REST calls.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        // zlib, for the HdrHistogram V2 compressed encoding.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // libdeflate (Debian libdeflate-dev): whole-buffer zlib inflate with no per-stream state,
        // for the interval histograms the controller merges by the thousand every second.
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),
        // libzmq (with CURVE through libsodium), for the controller<->agent link.
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ"),
        // OpenSSL's libcrypto, for the HMAC-SHA256 of amphora heartbeats.
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        // The MariaDB C client (libmariadb-dev), for the Octavia database.
        .systemLibrary(name: "CMariaDB", path: "Sources/CMariaDB", pkgConfig: "libmariadb"),
        // The controller<->agent contract: HdrHistogram and its V2 codec, the protobuf
        // messages and their envelope, and the ZeroMQ link.
        .target(
            name: "Proto",
            dependencies: [
                "CZlib", "CDeflate", "CZeroMQ",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Wire/Schema"]
        ),
        // The agent library: only Agent/Engine imports CHttpGen, only Agent/Amphora (heartbeats)
        // imports CZlib and CCrypto.
        .target(
            name: "Agent",
            dependencies: [
                "CHttpGen", "Proto", "CZlib", "CCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The controller library: configuration, clouds, the run, results, state and cleanup.
        // Only Clouds/OpenStack/Images imports CCrypto (image digests).
        .target(
            name: "Controller",
            dependencies: [
                "Proto", "CCurl", "CMariaDB", "CCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // `kloudbuster serve`: the REST API, its OpenAPI document, tokens, the event stream and
        // the web UI. The only target that imports the HTTP server; Controller never does.
        .target(
            name: "Server",
            dependencies: [
                "Controller", "Proto",
                .product(name: "Hummingbird", package: "hummingbird"),
                // `serve --tls-cert --tls-key`.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["UI"]
        ),
        .executableTarget(name: "kb-agent", dependencies: ["Agent"]),
        .executableTarget(name: "kloudbuster", dependencies: ["Controller", "Server"]),
        // Benchmarks (bench/README.md), built with the package so that they never rot.
        .executableTarget(name: "kb-bench-aggregate", dependencies: ["Controller", "Proto"], path: "bench/aggregate"),
        .executableTarget(name: "kb-bench-heartbeat", dependencies: ["Agent"], path: "bench/heartbeat"),
        // Fixtures the test targets share: child processes, a real nginx, loopback sockets.
        .target(name: "KBTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ProtoTests", dependencies: ["Proto"]),
        // Yams in the tests: they read deploy/cloud-init's YAML (the agent itself has no YAML parser).
        .testTarget(name: "AgentTests", dependencies: ["Agent", "Proto", "KBTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ControllerTests", dependencies: ["Controller", "Proto", "KBTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "ServerTests", dependencies: [
            "Server", "Controller", "KBTestSupport", .product(name: "Yams", package: "Yams"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ]
)

// swift-tools-version: 6.0
import PackageDescription

/// KloudBuster in Swift. DESIGN.md §2 draws the targets; each issue adds the ones it needs.
let package = Package(
    name: "KloudBuster",
    products: [
        .executable(name: "kb-agent", targets: ["kb-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The HTTP load engine in C11: epoll, one loop per thread, hg_* API.
        .target(
            name: "CHttpGen",
            cSettings: [.unsafeFlags(["-O2", "-std=gnu11"])],
            linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto"), .linkedLibrary("pthread"), .linkedLibrary("m")]
        ),
        // zlib, for the HdrHistogram V2 compressed encoding.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // The controller<->agent contract. For now: the HdrHistogram model and its V2 codec.
        .target(name: "Proto", dependencies: ["CZlib"]),
        // The agent library: only Agent/Engine imports CHttpGen.
        .target(
            name: "Agent",
            dependencies: [
                "CHttpGen", "Proto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "kb-agent", dependencies: ["Agent"]),
        .testTarget(name: "ProtoTests", dependencies: ["Proto"]),
        .testTarget(name: "AgentTests", dependencies: ["Agent", "Proto"]),
    ]
)

// swift-tools-version:6.1
// Chargeline: a time-series telemetry store and analytics pipeline for EV charging piles.
//
// Module graph (arrows point at what a module imports; never the other way):
//
//   chargeline (exe) -> ChargelineCommands (the composition root: serve and gateway wire storage, front-ends, alerts)
//                          |-> ChargelineHTTPAPI -> ChargelineFrontEnd, ChargelineQuery, ChargelineAuth, NIOHTTP1
//                          |-> ChargelineYKC ----> ChargelineFrontEnd
//                          |-> ChargelineOCPP ---> ChargelineFrontEnd, NIOWebSocket, Crypto
//                          |   ChargelineFrontEnd -> ChargelineIngest -> ChargelineCore
//                          |                     |-> ChargelineStorage (StorageSink only)
//                          |                     \-> NIO, NIOSSL (TLS on every listener), swift-metrics, Prometheus
//                          |-> ChargelineReports -> ChargelineStorage
//                          |-> ChargelineBackup -> AsyncHTTPClient, Crypto (no storage)
//                          |-> ChargelineAuth -> ChargelineQuery, Crypto (users; no NIO)
//                          |-> ChargelineAlerts -> ChargelineQuery, Yams, AsyncHTTPClient
//                          \-> ChargelineQuery -> ChargelineStorage -> ChargelineCodec -> CZstd, CLZ4
//                                             |                   |-> ChargelineLog -> ChargelineCore (FrontEnd's spool uses it too)
//                                             |                   \-> ChargelineCore
//                                             \-> ChargelineRegex (no dependencies)
//
// Storage never imports networking or ingest; Backup moves files and knows nothing of storage; Ingest never imports Storage (it fills a
// `WriteBatch`, a Core type, that a front-end hands to storage). The protocol modules (HTTP API, YKC, OCPP) never import each
// other: what two of them share (sinks, batching, TLS, metrics, the gateway's spool and forwarding, the session and pile
// directories) lives in ChargelineFrontEnd.
import PackageDescription
import class Foundation.ProcessInfo

// MARK: - Shared settings

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// MARK: - Dependencies

var dependencies: [Package.Dependency] = [
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    // TLS for every listener (HTTP API, line protocol, YKC, OCPP as WSS); async-http-client
    // already depends on it, so it adds no new code to fetch.
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    // Metrics: storage records through the swift-metrics API; the server exposes them with
    // swift-prometheus at /metrics.
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    // HdrHistogram for the pile simulator's latency report (Tools/chargeline-pilesim only).
    .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    // Backups to S3-compatible stores: HTTP client and HMAC/SHA-256 for Signature V4
    // (ChargelineBackup only).
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    // Alert rule files (ChargelineAlerts only): YAML in the shape Prometheus and vmalert read.
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
]

// MARK: - Targets

var targets: [Target] = [
    // System libraries: shims only.
    .systemLibrary(
        name: "CZstd", pkgConfig: "libzstd",
        providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(
        name: "CLZ4", pkgConfig: "liblz4",
        providers: [.apt(["liblz4-dev"])]),

    // The CPU's CRC-32C instruction (SSE 4.2, ARMv8 CRC) behind a C function: Swift has no
    // intrinsic for it. ChargelineCore's CRC32C falls back to a table without it.
    .target(name: "CCRC32C"),

    // Value types shared by every module.
    .target(name: "ChargelineCore", dependencies: ["CCRC32C"], swiftSettings: swiftSettings),

    // Stateless column encoders/decoders and block compressors. No files, no clocks.
    .target(
        name: "ChargelineCodec",
        dependencies: ["CZstd", "CLZ4"],
        swiftSettings: swiftSettings),

    // The append-only log file format every log shares (WAL, gateway spool, later ones): segment
    // header, record framing, scanning, corruption errors, recovery by truncation, segment names.
    // Core only (CRC-32C, errors): no owner's records, no networking.
    .target(name: "ChargelineLog", dependencies: ["ChargelineCore"], swiftSettings: swiftSettings),

    // WAL, head, segments, manifest, compaction, recovery, reads.
    .target(
        name: "ChargelineStorage",
        dependencies: [
            "ChargelineCore", "ChargelineCodec", "ChargelineLog",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ],
        swiftSettings: swiftSettings),

    // RE2-syntax regular expressions matched in linear time (InfluxQL's /regex/). No dependencies.
    .target(name: "ChargelineRegex", swiftSettings: swiftSettings),

    // The query language: lexer -> parser -> planner -> optimizer rules -> operators. No NIO.
    .target(
        name: "ChargelineQuery",
        dependencies: ["ChargelineCore", "ChargelineStorage", "ChargelineRegex"],
        swiftSettings: swiftSettings),

    // Daily usage reports: per gun, pile and station; CSV, JSON and HTML. No NIO.
    .target(
        name: "ChargelineReports",
        dependencies: ["ChargelineCore", "ChargelineStorage"],
        swiftSettings: swiftSettings),

    // Protocol decoders over raw bytes (line protocol). No NIO, no storage.
    .target(
        name: "ChargelineIngest",
        dependencies: ["ChargelineCore"],
        swiftSettings: swiftSettings),

    // Users, grants and bearer tokens (the USERS file) and the credential check: InfluxDB 1.x's
    // auth-enabled. Passwords are PBKDF2 hashes from swift-crypto. No NIO.
    .target(
        name: "ChargelineAuth",
        dependencies: [
            "ChargelineCore", "ChargelineStorage", "ChargelineQuery",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "_CryptoExtras", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings),

    // The core every front-end shares, over NIO: ingest sinks (storage, spool, quotas), the
    // telemetry batcher, the pile listener and directories, the connection registry, TLS
    // listeners and upstream TLS, server metrics, and a gateway's spool, forwarder, supervisor
    // and upstream health. No protocol of its own.
    .target(
        name: "ChargelineFrontEnd",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineStorage", "ChargelineLog",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ],
        swiftSettings: swiftSettings),

    // The InfluxDB 1.x HTTP API (/write, /query, /ping, /metrics, reports, snapshots, rules,
    // YKC session claims, OCPP triggers) and the raw line-protocol TCP listener beside it.
    .target(
        name: "ChargelineHTTPAPI",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineQuery", "ChargelineAuth", "ChargelineFrontEnd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),

    // The YKC pile front-end (framing, login, telemetry, pile state) and the YKC gateway that
    // spools and forwards it to a storage node.
    .target(
        name: "ChargelineYKC",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineFrontEnd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),

    // The OCPP 1.6J charge-point front-end (WebSocket, NIOWebSocket): a front-end beside YKC
    // over the same core (sink, telemetry batcher, registry); Commands wires it in.
    .target(
        name: "ChargelineOCPP",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineFrontEnd",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ],
        swiftSettings: swiftSettings),

    // Backup targets (a directory or an S3-compatible bucket), incremental upload and restore of
    // the snapshots storage takes. Networking lives here, never in storage.
    .target(
        name: "ChargelineBackup",
        dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings),

    // Alert and recording rules evaluated through the query engine, their states, history and
    // notifications (Alertmanager API v2, webhooks). Networking is an HTTP client only.
    .target(
        name: "ChargelineAlerts",
        dependencies: [
            "ChargelineCore", "ChargelineStorage", "ChargelineQuery",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),

    // ArgumentParser commands, a library so tests can drive them. Also the composition root:
    // `serve` and `gateway` are the one place that wires storage, the front-ends, alerts and
    // backups together (they already build every part from its options; a separate server
    // module would only pass their arguments on).
    .target(
        name: "ChargelineCommands",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineStorage", "ChargelineQuery", "ChargelineFrontEnd",
            "ChargelineHTTPAPI", "ChargelineYKC", "ChargelineOCPP",
            "ChargelineReports", "ChargelineBackup", "ChargelineAuth", "ChargelineAlerts",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ],
        swiftSettings: swiftSettings),

    .executableTarget(
        name: "chargeline",
        dependencies: ["ChargelineCommands"],
        swiftSettings: swiftSettings),

    // The simulated gun (state machine, sensors, meter) and its seeded generator, shared by
    // the telemetry generator and the codec report so both measure the same data.
    .target(name: "ChargelineGunModel", path: "Tools/gun-model", swiftSettings: swiftSettings),

    // Tools: the telemetry generator used by benchmarks, the README and tests.
    .executableTarget(
        name: "chargeline-datagen",
        dependencies: [
            "ChargelineCore", "ChargelineGunModel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        path: "Tools/chargeline-datagen",
        swiftSettings: swiftSettings),

    // What a YKC pile sends (pile -> platform frames), for the simulator, tests and fuzz seeds:
    // not part of the product, which only answers piles.
    .target(name: "ChargelineYKCPile", dependencies: ["ChargelineIngest"], path: "Tools/ykc-pile", swiftSettings: swiftSettings),

    // The YKC and OCPP pile simulator / load generator (Benchmarks/ykc-piles, README).
    .executableTarget(
        name: "chargeline-pilesim",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineYKCPile",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ],
        path: "Tools/chargeline-pilesim",
        swiftSettings: swiftSettings),

    // The codec size and throughput report (Benchmarks/codec-report/run.sh): each codec on the
    // gun model's columns and on real cycler data, as Markdown tables.
    .executableTarget(
        name: "codec-report",
        dependencies: ["ChargelineCodec", "ChargelineGunModel"],
        path: "Benchmarks/codec-report",
        exclude: ["data", "results.md", "run.sh", "delta-entropy.py"],
        swiftSettings: swiftSettings),

    // MARK: Tests (mirror Sources)
    // Test helpers shared by the test targets (a fixed-seed generator); never linked into the product.
    .target(name: "ChargelineTestSupport", path: "Tests/ChargelineTestSupport", swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineCoreTests",
        dependencies: ["ChargelineCore"],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineLogTests",
        dependencies: ["ChargelineCore", "ChargelineLog"],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineCodecTests",
        dependencies: ["ChargelineTestSupport", "ChargelineCodec"],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineStorageTests",
        dependencies: ["ChargelineTestSupport", "ChargelineCore", "ChargelineStorage", "ChargelineCodec", "ChargelineLog"],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineRegexTests",
        dependencies: ["ChargelineRegex"],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineQueryTests",
        dependencies: [
            "ChargelineTestSupport", "ChargelineCore", "ChargelineStorage", "ChargelineQuery", "ChargelineIngest",
            .product(name: "Logging", package: "swift-log"),
        ],
        resources: [.copy("Cases")],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineReportsTests",
        dependencies: ["ChargelineTestSupport", "ChargelineCore", "ChargelineStorage", "ChargelineReports"],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineIngestTests",
        dependencies: ["ChargelineTestSupport", "ChargelineCore", "ChargelineIngest", "ChargelineYKCPile"],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings),
    // Doubles and fixtures for the front-end tests: an in-memory sink, a query handler without an
    // engine, an HTTP API server on kernel-chosen ports, a raw HTTP/TCP client, TLS certificates
    // and a TLS client, a log capture. Never linked into the product.
    .target(
        name: "ChargelineNetworkTestSupport",
        dependencies: [
            "ChargelineCore", "ChargelineFrontEnd", "ChargelineHTTPAPI",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ],
        path: "Tests/ChargelineNetworkTestSupport",
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineFrontEndTests",
        dependencies: [
            "ChargelineNetworkTestSupport", "ChargelineCore", "ChargelineFrontEnd", "ChargelineHTTPAPI",
            "ChargelineStorage", "ChargelineIngest", "ChargelineLog",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineHTTPAPITests",
        dependencies: [
            "ChargelineNetworkTestSupport", "ChargelineCore", "ChargelineFrontEnd", "ChargelineHTTPAPI",
            "ChargelineStorage", "ChargelineIngest", "ChargelineQuery", "ChargelineAuth",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineYKCTests",
        dependencies: [
            "ChargelineNetworkTestSupport", "ChargelineCore", "ChargelineFrontEnd", "ChargelineHTTPAPI", "ChargelineYKC",
            "ChargelineStorage", "ChargelineIngest", "ChargelineYKCPile",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineAuthTests",
        dependencies: ["ChargelineAuth", "ChargelineCore", "ChargelineQuery", "ChargelineStorage"],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineOCPPTests",
        dependencies: [
            "ChargelineCore", "ChargelineIngest", "ChargelineFrontEnd", "ChargelineOCPP",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        resources: [.copy("Fixtures")],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineBackupTests",
        dependencies: ["ChargelineBackup"],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineAlertsTests",
        dependencies: [
            "ChargelineAlerts", "ChargelineCore", "ChargelineStorage", "ChargelineQuery", "ChargelineIngest",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings),
    .testTarget(
        name: "ChargelineCommandsTests",
        dependencies: ["ChargelineCommands", "ChargelineStorage", "ChargelineCore", "chargeline"],
        swiftSettings: swiftSettings),
]

// MARK: - Benchmarks (only when CHARGELINE_BENCHMARKS is set, so ordinary builds never resolve them)

if ProcessInfo.processInfo.environment["CHARGELINE_BENCHMARKS"] != nil {
    dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    let benchmarkDeps: [Target.Dependency] = [
        .product(name: "Benchmark", package: "benchmark"),
    ]
    let benchmarkPlugins: [Target.PluginUsage] = [
        .plugin(name: "BenchmarkPlugin", package: "benchmark"),
    ]
    targets += [
        .executableTarget(
            name: "CodecBenchmarks",
            dependencies: benchmarkDeps + ["ChargelineCodec"],
            path: "Benchmarks/CodecBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "IngestBenchmarks",
            dependencies: benchmarkDeps + ["ChargelineCore", "ChargelineIngest"],
            path: "Benchmarks/IngestBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "StorageBenchmarks",
            dependencies: benchmarkDeps + [
                "ChargelineCore", "ChargelineStorage", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/StorageBenchmarks",
            plugins: benchmarkPlugins),
        .executableTarget(
            name: "ReportBenchmarks",
            dependencies: benchmarkDeps + ["ChargelineReports"],
            path: "Benchmarks/ReportBenchmarks",
            plugins: benchmarkPlugins),
    ]
}

// MARK: - Fuzz targets (only when CHARGELINE_FUZZ is set; built by Fuzz/run.sh)

// libFuzzer harnesses: each defines `LLVMFuzzerTestOneInput` and no `main` (libFuzzer brings
// it). Fuzz/run.sh builds them in .build-fuzz with `-sanitize=fuzzer,address` for every module,
// so the code under test is instrumented, not only the harness.
if ProcessInfo.processInfo.environment["CHARGELINE_FUZZ"] != nil {
    let fuzzSettings = swiftSettings + [.unsafeFlags(["-parse-as-library"])]
    let fuzzLinker: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address"])]
    targets += [
        .executableTarget(
            name: "LineProtocolFuzz",
            dependencies: ["ChargelineCore", "ChargelineIngest"],
            path: "Fuzz/LineProtocolFuzz",
            swiftSettings: fuzzSettings, linkerSettings: fuzzLinker),
        .executableTarget(
            name: "InfluxQLFuzz",
            dependencies: [
                "ChargelineCore", "ChargelineIngest", "ChargelineStorage", "ChargelineQuery",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/InfluxQLFuzz",
            swiftSettings: fuzzSettings, linkerSettings: fuzzLinker),
        .executableTarget(
            name: "YKCFuzz",
            dependencies: ["ChargelineCore", "ChargelineIngest", "ChargelineYKCPile"],
            path: "Fuzz/YKCFuzz",
            swiftSettings: fuzzSettings, linkerSettings: fuzzLinker),
        .executableTarget(
            name: "ReportFuzz",
            dependencies: [
                "ChargelineCore", "ChargelineIngest", "ChargelineStorage", "ChargelineReports",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/ReportFuzz",
            swiftSettings: fuzzSettings, linkerSettings: fuzzLinker),
        .executableTarget(
            name: "StorageFileFuzz",
            dependencies: [
                "ChargelineCore", "ChargelineIngest", "ChargelineStorage",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/StorageFileFuzz",
            swiftSettings: fuzzSettings, linkerSettings: fuzzLinker),
    ]
}

let package = Package(
    name: "Chargeline",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "chargeline", targets: ["chargeline"]),
        .executable(name: "chargeline-datagen", targets: ["chargeline-datagen"]),
        .executable(name: "chargeline-pilesim", targets: ["chargeline-pilesim"]),
    ],
    dependencies: dependencies,
    targets: targets
)

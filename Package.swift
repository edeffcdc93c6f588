// swift-tools-version:6.0
import PackageDescription

// Dependencies are kept deliberately few: CI builds from scratch on 2 cores.

// The parsing hot path runs single-threaded per document over value types owned by one
// parser; dynamic exclusivity checks there cost ~5% of parse time (measured with perf) and
// guard nothing the compiler's static checks do not. Cross-module optimization lets the
// parser inline the core's byte scanners (SWAR, UTF-8 checks) and their closures, which it
// otherwise calls through a generic entry point per eight bytes: ~5% of parse time.
// Release builds only.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "feedspool",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "feedspool", targets: ["feedspool"]),
        .executable(name: "feedspoold", targets: ["feedspoold"]),
        .library(name: "FeedCore", targets: ["FeedCore"]),
        .library(name: "FeedParser", targets: ["FeedParser"]),
        .library(name: "FeedExtract", targets: ["FeedExtract"]),
        .library(name: "FeedFetch", targets: ["FeedFetch"]),
        // For fuzz/ (a package of its own, built only by `make fuzz`).
        .library(name: "FeedConfig", targets: ["FeedConfig"]),
        .library(name: "FeedDaemon", targets: ["FeedDaemon"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The daemon: structured logs and a service group with graceful shutdown and signals.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // C libraries, each behind one module.
        .systemLibrary(
            name: "CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),

        // SHA-256 block compression with the CPU's SHA instructions, for the core's ids (a
        // kernel of our own: values in, values out).
        .target(name: "CSHA256"),
        // Byte scans sixteen bytes at a time (SSE2), for the parsers' fast paths.
        .target(name: "CByteScan"),
        // The pure core: values in, values out; no I/O, no C libraries (but the kernels above).
        .target(name: "FeedCore", dependencies: ["CSHA256", "CByteScan"], swiftSettings: hotPath),
        // Feed documents → items: libxml2 (SAX2 push + HTML SAX), charsets, JSON Feed.
        .target(name: "FeedParser", dependencies: ["FeedCore", "CLibXML2", "CByteScan"], swiftSettings: hotPath),

        // HTTP(S) fetching: the only libcurl importer (multi interface, one engine thread).
        .target(name: "FeedFetch", dependencies: ["FeedCore", "CCurl"]),

        // Configuration: a TOML subset and the config model (pure).
        // (The configuration may name an OPML file: read through FeedParser, the libxml2 module.)
        .target(name: "FeedConfig", dependencies: ["FeedCore", "FeedParser"]),
        // Persistent state: the only SQLite importer.
        .target(name: "FeedStore", dependencies: ["CSQLite"]),
        // The cluster's state in PostgreSQL: the only libpq importer (libpq through a C
        // module, as the other C libraries: seconds of build, against minutes for a Swift
        // client).
        .target(name: "FeedStorePostgres", dependencies: ["FeedStore", "CLibPQ"]),
        // The spool directory: the only writer of article files.
        .target(name: "FeedSpool", dependencies: ["CSystemShims"]),
        .target(name: "FeedExtract", dependencies: ["FeedCore"]),
        // Exactly-once ingest: identities, duplicates, delivery protocol, the one-shot run.
        .target(name: "FeedIngest", dependencies: ["FeedCore", "FeedParser", "FeedFetch", "FeedConfig", "FeedStore", "FeedStorePostgres", "FeedSpool", "FeedExtract"]),

        // Linux calls Swift's Glibc module hides (_GNU_SOURCE): SO_PEERCRED, accept4, pipe2.
        .target(name: "CSystemShims"),
        // The long-running service: poller, control socket, systemd notification, logging.
        .target(
            name: "FeedDaemon",
            dependencies: [
                "FeedIngest", "FeedConfig", "FeedCore", "FeedFetch", "FeedStore", "FeedStorePostgres", "FeedSpool", "FeedParser", "CSystemShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "feedspoold",
            dependencies: [
                "FeedIngest", "FeedConfig", "FeedCore", "FeedDaemon", "CSystemShims",
                .product(name: "Logging", package: "swift-log"),
            ]),
        // make bench's state and spool benchmark; not installed.
        .executableTarget(name: "feedspool-bench", dependencies: ["FeedIngest", "FeedConfig", "FeedStore", "FeedCore", "FeedSpool", "FeedParser", "FeedExtract"]),
        .executableTarget(
            name: "feedspool",
            dependencies: [
                "FeedCore", "FeedParser", "FeedFetch", "FeedConfig", "FeedStore", "FeedStorePostgres", "FeedSpool", "FeedIngest", "FeedExtract",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // For integration tests: a scripted HTTP server on 127.0.0.1, running real binaries.
        .target(name: "TestSupport", dependencies: ["FeedCore"], path: "Tests/TestSupport"),

        .testTarget(name: "FeedCoreTests", dependencies: ["FeedCore", "TestSupport", "CByteScan"]),
        // Fixtures are read from the source tree (#filePath), not bundled.
        .testTarget(
            name: "FeedParserTests", dependencies: ["FeedParser", "FeedCore", "TestSupport", "feedspool", "CLibXML2"],
            exclude: ["Fixtures"]),
        .testTarget(name: "FeedFetchTests", dependencies: ["FeedFetch", "FeedCore", "TestSupport", "feedspool"]),
        .testTarget(name: "FeedConfigTests", dependencies: ["FeedConfig", "FeedCore", "FeedParser"]),
        .testTarget(
            name: "FeedDaemonTests",
            dependencies: [
                "FeedDaemon", "FeedIngest", "FeedConfig", "FeedStore", "FeedStorePostgres", "FeedFetch", "FeedCore", "TestSupport", "feedspoold", "feedspool",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "FeedStoreTests", dependencies: ["FeedStore", "TestSupport"]),
        .testTarget(name: "FeedStorePostgresTests", dependencies: ["FeedStorePostgres", "FeedStore", "FeedCore", "TestSupport"]),
        .testTarget(name: "FeedSpoolTests", dependencies: ["FeedSpool", "TestSupport"]),
        .testTarget(
            name: "FeedExtractTests", dependencies: ["FeedExtract", "FeedParser", "FeedCore", "TestSupport", "feedspool"],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "FeedIngestTests",
            dependencies: ["FeedIngest", "FeedConfig", "FeedStore", "FeedStorePostgres", "FeedSpool", "FeedParser", "FeedCore", "TestSupport", "feedspoold", "feedspool"]),
    ],
    swiftLanguageModes: [.v6]
)

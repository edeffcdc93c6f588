// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for feedspool, a package of their own so that the main package's
// `swift build` never meets an executable without `main` (libFuzzer supplies it).
// Built and run by `make fuzz` (see fuzz/run.sh):
//   swift build --package-path fuzz --product NAME --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address
let package = Package(
    name: "feedspool-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "feedspool", path: "..")],
    targets: [
        // Feed bytes → parser (in two pieces, split where the first byte says) → articles.
        .executableTarget(
            name: "fuzz-feed",
            dependencies: [.product(name: "FeedParser", package: "feedspool"), .product(name: "FeedCore", package: "feedspool")]),
        // HTML → text, both paths (condensed and whole) compared.
        .executableTarget(name: "fuzz-html", dependencies: [.product(name: "FeedParser", package: "feedspool")]),
        // Dates in every dialect the parser reads.
        .executableTarget(name: "fuzz-date", dependencies: [.product(name: "FeedCore", package: "feedspool")]),
        // The configuration file reader (TOML subset and the config model).
        .executableTarget(name: "fuzz-config", dependencies: [.product(name: "FeedConfig", package: "feedspool")]),
        // Web pages: charset, the page tree, article extraction, the full-text rules.
        .executableTarget(
            name: "fuzz-page",
            dependencies: [.product(name: "FeedParser", package: "feedspool"), .product(name: "FeedExtract", package: "feedspool")]),
        // The control socket's request decoder.
        .executableTarget(name: "fuzz-control", dependencies: [.product(name: "FeedDaemon", package: "feedspool")]),
    ]
)

import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// A configuration problem: the file, the line, what is wrong and how to fix it.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String
    public var fix: String?

    /// Further problems found in the same file, in file order (`--check-config` lists them
    /// all, like a compiler, instead of making the user fix and re-run once per mistake).
    public var more: [ConfigError] = []

    public init(file: String, line: Int, message: String, fix: String?) {
        self.file = file
        self.line = line
        self.message = message
        self.fix = fix
    }

    /// This problem and the further ones, each on its own, in file order.
    public var all: [ConfigError] {
        var first = self
        first.more = []
        return [first] + more
    }

    /// One line per problem: `FILE:LINE: what is wrong; how to fix it`.
    public var description: String {
        all.map { e in
            let place = e.line > 0 ? "\(e.file):\(e.line)" : e.file
            return e.fix.map { "\(place): \($0 == "" ? e.message : e.message + "; " + $0)" } ?? "\(place): \(e.message)"
        }.joined(separator: "\n")
    }

    /// The problems as one error (nil when there are none), ordered by line.
    static func combining(_ problems: [ConfigError]) -> ConfigError? {
        let sorted = problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        guard var first = sorted.first else { return nil }
        first.more = Array(sorted.dropFirst())
        return first
    }
}

/// One feed of the configuration.
public struct FeedConfig: Sendable, Equatable {
    public var url: String
    public var name: String?
    public var dedup: DedupPolicy?
    public var onUpdate: UpdatePolicy?
    /// Seconds; on the first poll, older items are recorded as seen but not delivered.
    public var maxAge: Int64?
    /// On the first poll, only the newest this many items are delivered.
    public var maxItems: Int?
    /// Seconds between polls for this feed.
    public var interval: Int64?
    /// Free labels (OPML folders and categories).
    public var tags: [String] = []
    public var fullText: FullTextMode?
    /// Seconds an item may wait for its page before the feed's text is delivered.
    public var fullTextTimeout: Int64?
    /// Fetch this feed's item pages whatever the site's `robots.txt` says (the operator's
    /// call, for a site that allows them otherwise, e.g. by contract).
    public var ignoreRobots = false
    public var line: Int

    public init(url: String, name: String? = nil, dedup: DedupPolicy? = nil, onUpdate: UpdatePolicy? = nil, maxAge: Int64? = nil, maxItems: Int? = nil, interval: Int64? = nil, line: Int = 0) {
        self.url = url
        self.name = name
        self.dedup = dedup
        self.onUpdate = onUpdate
        self.maxAge = maxAge
        self.maxItems = maxItems
        self.interval = interval
        self.line = line
    }
}

/// The daemon's configuration (a TOML file; see config/feedspool.toml for every key).
public struct Config: Sendable, Equatable {
    public var path: String
    public var spoolDir: String
    public var stateDir: String
    public var dedup: DedupPolicy = .global
    public var onUpdate: UpdatePolicy = .ignore
    public var maxAge: Int64?
    public var maxItems: Int?
    /// How long identities of items that left their feed are remembered (seconds).
    public var grace: Int64 = 90 * 86400
    /// How far back near-duplicates are looked for (seconds).
    public var nearWindow: Int64 = 7 * 86400
    /// Seconds between polls of a feed, before the publisher's hints (floor 5 min, ceiling 24 h).
    public var interval: Int64 = 3600
    /// An OPML file whose subscriptions are feeds too (inline [[feed]] tables win).
    public var opml: String?
    /// The control socket, its mode and the group allowed to use it (besides root and
    /// the daemon's own user).
    public var socket = "/run/feedspool/feedspool.sock"
    public var socketMode: UInt32 = 0o660
    public var socketGroup: String?
    public var allowPrivateNetworks = false
    public var allowFileURLs = false
    public var userAgent: String?
    public var maxBodyBytes = 16 << 20
    public var concurrency = 32
    public var perHost = 2
    public var perHostGapMilliseconds = 0
    public var timeoutSeconds = 30
    public var connectTimeoutSeconds = 10
    /// When an item's page is fetched for its full text (`full_text`).
    public var fullText = FullTextMode.auto
    /// Seconds an item may wait for its page before the feed's text is delivered.
    public var fullTextTimeout: Int64 = 3600
    /// Page requests (robots.txt included) one host gets per minute at most, on average
    /// (a token bucket refilled at this rate)…
    public var pageBudget = 10
    /// …and at most this many at once after a quiet spell (the bucket's size).
    public var pageBurst = 2
    /// The cluster's PostgreSQL (`postgresql://…` or `key=value …`); nil: the state is
    /// SQLite in `state_dir`, on this machine alone.
    public var stateURL: String?
    /// This node's name in the cluster (default: the host name).
    public var node = Config.hostName
    /// How long a node's claim on a feed lasts without renewal (seconds).
    public var lease: Int64 = 120
    public var feeds: [FeedConfig] = []

    /// The machine's host name, the default node name.
    public static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "feedspoold" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "feedspoold" : name
    }

    /// A configuration with every default.
    public init(path: String, spoolDir: String, stateDir: String) {
        self.path = path
        self.spoolDir = spoolDir
        self.stateDir = stateDir
    }

    /// The settings that apply to one feed.
    public func dedup(for feed: FeedConfig) -> DedupPolicy { feed.dedup ?? dedup }
    public func onUpdate(for feed: FeedConfig) -> UpdatePolicy { feed.onUpdate ?? onUpdate }
    public func maxAge(for feed: FeedConfig) -> Int64? { feed.maxAge ?? maxAge }
    public func maxItems(for feed: FeedConfig) -> Int? { feed.maxItems ?? maxItems }
    public func interval(for feed: FeedConfig) -> Int64 { feed.interval ?? interval }
    public func fullText(for feed: FeedConfig) -> FullTextMode { feed.fullText ?? fullText }
    public func fullTextTimeout(for feed: FeedConfig) -> Int64 { feed.fullTextTimeout ?? fullTextTimeout }

    /// Parses a configuration; relative paths are taken relative to the file's directory.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> Config {
        let root: TOMLTable
        do {
            root = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(file: path, line: error.line, message: error.message, fix: nil)
        }
        return try ConfigReader(file: path).read(root)
    }
}

/// Durations as configuration strings.
public enum ConfigDuration {
    public static func parse(_ text: String, milliseconds: Bool = false) -> Int64? {
        let compact = text.filter { $0 != " " }
        let units: [(String, Int64)] = [("ms", 0), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        for (unit, secs) in units where compact.hasSuffix(unit) {
            guard let count = Int64(compact.dropLast(unit.count)), count >= 0 else { return nil }
            if unit == "ms" { return milliseconds ? count : nil }
            return milliseconds ? count * secs * 1000 : count * secs
        }
        return nil
    }
}

func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var prev = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
        var cur = [i] + Array(repeating: 0, count: y.count)
        for j in 1...max(1, y.count) where !y.isEmpty {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return x.isEmpty ? y.count : prev[y.count]
}

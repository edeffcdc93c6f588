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
    public func dedup(for f: FeedConfig) -> DedupPolicy { f.dedup ?? dedup }
    public func onUpdate(for f: FeedConfig) -> UpdatePolicy { f.onUpdate ?? onUpdate }
    public func maxAge(for f: FeedConfig) -> Int64? { f.maxAge ?? maxAge }
    public func maxItems(for f: FeedConfig) -> Int? { f.maxItems ?? maxItems }
    public func interval(for f: FeedConfig) -> Int64 { f.interval ?? interval }
    public func fullText(for f: FeedConfig) -> FullTextMode { f.fullText ?? fullText }
    public func fullTextTimeout(for f: FeedConfig) -> Int64 { f.fullTextTimeout ?? fullTextTimeout }

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

/// Turns the TOML tree into a `Config`, with an error naming the line of every bad key.
struct ConfigReader {
    let file: String

    static let topKeys = ["spool_dir", "state_dir", "dedup", "near_threshold", "on_update", "max_age", "max_items", "grace", "near_window", "interval", "socket", "socket_mode", "socket_group", "opml",
        "allow_private_networks", "allow_file_urls", "user_agent", "max_body_size", "concurrency", "per_host", "per_host_gap",
        "timeout", "connect_timeout", "full_text", "full_text_timeout", "page_budget", "page_burst", "state_url", "node", "lease", "feed"]
    static let feedKeys = ["url", "name", "dedup", "near_threshold", "on_update", "max_age", "max_items", "interval", "tags", "full_text", "full_text_timeout", "ignore_robots"]

    /// `path` relative to `dir` (the configuration's directory, already resolved with
    /// realpath), with the leading "./" and "../" of `path` taken against `dir`, so status
    /// and logs show "/srv/feedspool/spool", not "/srv/feedspool/config/../spool". What
    /// follows is kept as written (a ".." after a symbolic link is the kernel's business).
    static func joined(_ dir: String, _ path: String) -> String {
        if path.hasPrefix("/") || dir == "." { return path }
        var base = dir.split(separator: "/", omittingEmptySubsequences: true)
        var rest = Substring(path)
        while true {
            if rest.hasPrefix("./") {
                rest = rest.dropFirst(2)
            } else if rest.hasPrefix("../"), dir.hasPrefix("/") {
                if !base.isEmpty { base.removeLast() }
                rest = rest.dropFirst(3)
            } else if rest == "..", dir.hasPrefix("/") {
                if !base.isEmpty { base.removeLast() }
                rest = ""
            } else {
                break
            }
        }
        let head = (dir.hasPrefix("/") ? "/" : "") + base.joined(separator: "/")
        if rest.isEmpty || rest == "." { return head.isEmpty ? "/" : head }
        return head == "/" ? "/" + rest : head + "/" + rest
    }

    /// The problems found so far: reading goes on past each one, so a run names them all.
    struct Problems {
        var list: [ConfigError] = []

        mutating func add(_ e: ConfigError) { list.append(e) }

        /// One check: a problem is recorded and the value read as absent (its default).
        /// (The readers below throw only ConfigError; a closure loses the typed throw.)
        mutating func check<T>(_ body: () throws -> T?) -> T? {
            do { return try body() } catch {
                list += (error as? ConfigError)?.all ?? [ConfigError(file: "", line: 0, message: "\(error)", fix: nil)]
                return nil
            }
        }

        /// Throws them all as one error (in line order), if there are any.
        func throwIfAny() throws(ConfigError) {
            if let error = ConfigError.combining(list) { throw error }
        }
    }

    /// The configuration file's directory: relative paths in it are relative to this.
    var directory: String { file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "." }

    func fail(_ line: Int, _ message: String, fix: String? = nil) -> ConfigError {
        ConfigError(file: file, line: line, message: message, fix: fix)
    }

    /// Reads every key, recording each problem and going on, so one run names them all.
    func read(_ root: TOMLTable) throws(ConfigError) -> Config {
        var problems = Problems()
        func resolve(_ p: String) -> String { Self.joined(directory, p) }
        for e in root.entries where !Self.topKeys.contains(e.key) {
            problems.add(fail(e.line, "unknown key \(e.key)", fix: suggestion(e.key, Self.topKeys)))
        }
        var c = Config(
            path: file, spoolDir: resolve(problems.check { try string(root, "spool_dir") } ?? "spool"),
            stateDir: resolve(problems.check { try string(root, "state_dir") } ?? "state"))
        let threshold = problems.check { try int(root, "near_threshold", in: 0...DedupPolicy.maxNearThreshold) } ?? DedupPolicy.defaultNearThreshold
        if let d = problems.check({ try dedup(root, threshold: threshold) }) { c.dedup = d }
        if let u = problems.check({ try onUpdate(root) }) { c.onUpdate = u }
        c.maxAge = problems.check { try duration(root, "max_age") }
        c.maxItems = problems.check { try int(root, "max_items", in: 0...1_000_000) }
        c.grace = problems.check { try duration(root, "grace") } ?? c.grace
        c.nearWindow = problems.check { try duration(root, "near_window") } ?? c.nearWindow
        c.interval = problems.check { try interval(root) } ?? c.interval
        if let sock = problems.check({ try string(root, "socket") }) { c.socket = resolve(sock) }
        if let e = root["socket_mode"] {
            // Octal, written as a string ("0660") or as the digits of a number (660).
            let digits: String?
            switch e.value {
            case .string(let s): digits = s
            case .integer(let n): digits = String(n)
            default: digits = nil
            }
            if let d = digits, let mode = UInt32(d.hasPrefix("0o") ? String(d.dropFirst(2)) : d, radix: 8), mode <= 0o777 {
                c.socketMode = mode
            } else {
                problems.add(fail(e.line, "socket_mode must be an octal mode like \"0660\""))
            }
        }
        c.socketGroup = problems.check { try string(root, "socket_group") }
        c.opml = problems.check { try string(root, "opml") }.map(resolve)
        c.allowPrivateNetworks = problems.check { try bool(root, "allow_private_networks") } ?? false
        c.allowFileURLs = problems.check { try bool(root, "allow_file_urls") } ?? false
        c.userAgent = problems.check { try string(root, "user_agent") }
        c.maxBodyBytes = problems.check { try size(root, "max_body_size") } ?? c.maxBodyBytes
        c.concurrency = problems.check { try int(root, "concurrency", in: 1...1024) } ?? c.concurrency
        c.perHost = problems.check { try int(root, "per_host", in: 1...64) } ?? c.perHost
        c.perHostGapMilliseconds = Int(problems.check { try duration(root, "per_host_gap", milliseconds: true) } ?? 0)
        c.timeoutSeconds = Int(problems.check { try duration(root, "timeout") } ?? 30)
        c.connectTimeoutSeconds = Int(problems.check { try duration(root, "connect_timeout") } ?? 10)
        c.fullText = problems.check { try fullText(root) } ?? c.fullText
        c.fullTextTimeout = problems.check { try fullTextTimeout(root) } ?? c.fullTextTimeout
        c.pageBudget = problems.check { try int(root, "page_budget", in: 1...600) } ?? c.pageBudget
        c.pageBurst = problems.check { try int(root, "page_burst", in: 1...60) } ?? c.pageBurst
        c.stateURL = problems.check { try stateURL(root) }
        c.node = problems.check { try nodeName(root) } ?? c.node
        if let lease = problems.check({ try duration(root, "lease") }) {
            if lease < 5 || lease > 3600, let e = root["lease"] {
                problems.add(fail(e.line, "lease must be between 5s and 1h", fix: "the default is \"2m\""))
            } else {
                c.lease = lease
            }
        }
        if c.perHost > c.concurrency, let e = root["per_host"] {
            problems.add(fail(e.line, "per_host (\(c.perHost)) is larger than concurrency (\(c.concurrency))", fix: "lower per_host or raise concurrency"))
        }
        if let feeds = root["feed"] {
            if case .array(let list) = feeds.value {
                var seen: [String: Int] = [:]
                for v in list {
                    guard case .table(let t) = v else {
                        problems.add(fail(feeds.line, "feed must be written as [[feed]] tables"))
                        continue
                    }
                    guard let f = problems.check({ try feed(t, defaultThreshold: threshold) }) else { continue }
                    if let other = seen[f.url] {
                        problems.add(fail(t.line, "the feed \(f.url) is already configured on line \(other)", fix: "remove one of the two"))
                        continue
                    }
                    seen[f.url] = t.line
                    c.feeds.append(f)
                }
            } else {
                problems.add(fail(feeds.line, "feed must be written as [[feed]] tables", fix: "write each feed as a [[feed]] table with a url key"))
            }
        }
        try problems.throwIfAny()
        return c
    }

    /// One [[feed]] table; every problem in it is reported (as one error listing them).
    func feed(_ t: TOMLTable, defaultThreshold: Int) throws(ConfigError) -> FeedConfig {
        var problems = Problems()
        for e in t.entries where !Self.feedKeys.contains(e.key) {
            problems.add(fail(e.line, "unknown key \(e.key) in [[feed]]", fix: suggestion(e.key, Self.feedKeys)))
        }
        var url = problems.check { try string(t, "url") }
        if t["url"] == nil {
            problems.add(fail(t.line, "a [[feed]] has no url", fix: "add url = \"https://…\""))
        }
        // "file:relative/path" names a file beside the configuration (the bundled demo).
        if let u = url, u.hasPrefix("file:"), !u.hasPrefix("file:/") {
            let path = Self.joined(directory, String(u.dropFirst(5)))
            url = "file://" + (path.hasPrefix("/") ? "" : "/") + path
        } else if let u = url, u.hasPrefix("file:/"), !u.hasPrefix("file://") {
            // "file:/srv/feeds/a.xml": the file URL RFC 8089 allows without an authority.
            url = "file://" + u.dropFirst(5)
        }
        if let u = url, let line = t["url"]?.line {
            let scheme = u.prefix { $0 != ":" }.lowercased()
            if !["http", "https", "file"].contains(scheme) || !u.contains("://") {
                problems.add(fail(line, "\(u) is not an http, https or file URL", fix: "write the full URL, e.g. https://example.com/feed.xml"))
            }
        }
        let threshold = problems.check { try int(t, "near_threshold", in: 0...DedupPolicy.maxNearThreshold) } ?? defaultThreshold
        var f = FeedConfig(
            url: url ?? "",
            name: problems.check { try string(t, "name") },
            dedup: problems.check { try dedup(t, threshold: threshold) },
            onUpdate: problems.check { try onUpdate(t) },
            maxAge: problems.check { try duration(t, "max_age") },
            maxItems: problems.check { try int(t, "max_items", in: 0...1_000_000) },
            interval: problems.check { try interval(t) }, line: t.line)
        f.tags = problems.check { try strings(t, "tags") } ?? []
        f.fullText = problems.check { try fullText(t) }
        f.fullTextTimeout = problems.check { try fullTextTimeout(t) }
        f.ignoreRobots = problems.check { try bool(t, "ignore_robots") } ?? false
        try problems.throwIfAny()
        return f
    }

    /// A libpq connection URI or keyword string. Only its form is checked here (the
    /// server answers for the rest, at start); a password in it is allowed (libpq reads it)
    /// but never repeated in a message.
    func stateURL(_ t: TOMLTable) throws(ConfigError) -> String? {
        guard let url = try string(t, "state_url"), let e = t["state_url"] else { return nil }
        let trimmed = String(url.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        let uri = trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://")
        let keywords = !trimmed.contains("://") && trimmed.contains("=")
        guard uri || keywords else {
            throw fail(e.line, "state_url must be a PostgreSQL connection URI (postgresql://…) or keyword string (host=… dbname=…)",
                fix: "leave it out to keep the state in state_dir (SQLite)")
        }
        return trimmed
    }

    /// A node name: what `status` shows and leases record.
    func nodeName(_ t: TOMLTable) throws(ConfigError) -> String? {
        guard let name = try string(t, "node"), let e = t["node"] else { return nil }
        let allowed = name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F
        }
        guard !name.isEmpty, name.utf8.count <= 63, allowed else {
            throw fail(e.line, "node must be 1 to 63 letters, digits, '-', '.' or '_'", fix: "the default is the host name")
        }
        return name
    }

    func string(_ t: TOMLTable, _ key: String) throws(ConfigError) -> String? {
        guard let e = t[key] else { return nil }
        guard case .string(let s) = e.value else { throw fail(e.line, "\(key) must be a string, not \(e.value.typeName)", fix: "put the value in quotes") }
        return s
    }

    func strings(_ t: TOMLTable, _ key: String) throws(ConfigError) -> [String]? {
        guard let e = t[key] else { return nil }
        guard case .array(let items) = e.value else { throw fail(e.line, "\(key) must be an array of strings, like [\"News\", \"World\"]") }
        var out: [String] = []
        for v in items {
            guard case .string(let s) = v else { throw fail(e.line, "\(key) must hold strings only") }
            out.append(s)
        }
        return out
    }

    func bool(_ t: TOMLTable, _ key: String) throws(ConfigError) -> Bool? {
        guard let e = t[key] else { return nil }
        guard case .boolean(let b) = e.value else { throw fail(e.line, "\(key) must be true or false, not \(e.value.typeName)") }
        return b
    }

    func int(_ t: TOMLTable, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let e = t[key] else { return nil }
        guard case .integer(let n) = e.value else { throw fail(e.line, "\(key) must be a whole number, not \(e.value.typeName)") }
        guard n >= range.lowerBound, n <= range.upperBound else {
            throw fail(e.line, "\(key) = \(n) is out of range", fix: "use a value from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(n)
    }

    func dedup(_ t: TOMLTable, threshold: Int) throws(ConfigError) -> DedupPolicy? {
        guard let name = try string(t, "dedup") else { return nil }
        guard let p = DedupPolicy(name: name, threshold: threshold) else {
            throw fail(t["dedup"]!.line, "dedup = \"\(name)\" is not a policy", fix: "use \"feed\", \"global\" or \"near\"")
        }
        return p
    }

    func onUpdate(_ t: TOMLTable) throws(ConfigError) -> UpdatePolicy? {
        guard let name = try string(t, "on_update") else { return nil }
        guard let p = UpdatePolicy(rawValue: name) else {
            throw fail(t["on_update"]!.line, "on_update = \"\(name)\" is not a policy", fix: "use \"ignore\" or \"redeliver\"")
        }
        return p
    }

    func fullText(_ t: TOMLTable) throws(ConfigError) -> FullTextMode? {
        guard let name = try string(t, "full_text") else { return nil }
        guard let m = FullTextMode(rawValue: name) else {
            throw fail(t["full_text"]!.line, "full_text = \"\(name)\" is not a mode", fix: "use \"auto\", \"always\" or \"never\"")
        }
        return m
    }

    /// How long an item waits for its page: 5 seconds (tests, impatient operators) to 7 days.
    func fullTextTimeout(_ t: TOMLTable) throws(ConfigError) -> Int64? {
        guard let v = try duration(t, "full_text_timeout") else { return nil }
        guard (5...7 * 86400).contains(v) else {
            throw fail(t["full_text_timeout"]!.line, "full_text_timeout must be between 5 seconds and 7 days", fix: "e.g. full_text_timeout = \"1h\"")
        }
        return v
    }

    /// A duration: whole seconds, or a string like "90d", "12h", "30m", "45s", "2w"
    /// ("500ms" too when `milliseconds`; the result is then in milliseconds).
    func duration(_ t: TOMLTable, _ key: String, milliseconds: Bool = false) throws(ConfigError) -> Int64? {
        guard let e = t[key] else { return nil }
        let scale: Int64 = milliseconds ? 1000 : 1
        switch e.value {
        case .integer(let n) where n >= 0: return n * scale
        case .string(let s):
            if let v = ConfigDuration.parse(s, milliseconds: milliseconds) { return v }
            throw fail(e.line, "\(key) = \"\(s)\" is not a duration", fix: "write e.g. \"30d\", \"12h\", \"15m\" or \"45s\"")
        default:
            throw fail(e.line, "\(key) must be a duration like \"30d\" or a number of seconds")
        }
    }

    /// A polling interval: a duration from 5 minutes to 24 hours.
    func interval(_ t: TOMLTable) throws(ConfigError) -> Int64? {
        guard let v = try duration(t, "interval") else { return nil }
        guard (300...86400).contains(v) else {
            throw fail(t["interval"]!.line, "interval must be between 5 minutes and 24 hours", fix: "e.g. interval = \"60m\"")
        }
        return v
    }

    /// A size: bytes, or a string like "16MiB", "512KiB", "1GiB" (also MB/KB/GB as powers of 1000).
    func size(_ t: TOMLTable, _ key: String) throws(ConfigError) -> Int? {
        guard let e = t[key] else { return nil }
        switch e.value {
        case .integer(let n) where n > 0: return Int(n)
        case .string(let s):
            let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
            for (u, m) in units where s.hasSuffix(u) {
                if let n = Int(s.dropLast(u.count).filter { $0 != " " }), n > 0 { return n * m }
            }
            fallthrough
        default:
            throw fail(e.line, "\(key) must be a size like \"16MiB\" or a number of bytes")
        }
    }

    /// "did you mean …" for a misspelt key.
    func suggestion(_ key: String, _ known: [String]) -> String {
        let best = known.min { editDistance($0, key) < editDistance($1, key) }
        if let best, editDistance(best, key) <= 3 { return "did you mean \(best)?" }
        return "known keys: " + known.joined(separator: ", ")
    }
}

/// Durations as configuration strings.
public enum ConfigDuration {
    public static func parse(_ s: String, milliseconds: Bool = false) -> Int64? {
        let t = s.filter { $0 != " " }
        let units: [(String, Int64)] = [("ms", 0), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        for (u, secs) in units where t.hasSuffix(u) {
            guard let n = Int64(t.dropLast(u.count)), n >= 0 else { return nil }
            if u == "ms" { return milliseconds ? n : nil }
            return milliseconds ? n * secs * 1000 : n * secs
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

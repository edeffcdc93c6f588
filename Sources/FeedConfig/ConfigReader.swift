import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

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
        c.socketMode = problems.check { try socketMode(root) } ?? c.socketMode
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
        c.feeds = feeds(root, defaultThreshold: threshold, &problems)
        try problems.throwIfAny()
        return c
    }

    /// `socket_mode`: octal, written as a string ("0660") or as the digits of a number (660).
    func socketMode(_ root: TOMLTable) throws(ConfigError) -> UInt32? {
        guard let e = root["socket_mode"] else { return nil }
        let digits: String?
        switch e.value {
        case .string(let s): digits = s
        case .integer(let n): digits = String(n)
        default: digits = nil
        }
        guard let d = digits, let mode = UInt32(d.hasPrefix("0o") ? String(d.dropFirst(2)) : d, radix: 8), mode <= 0o777 else {
            throw fail(e.line, "socket_mode must be an octal mode like \"0660\"")
        }
        return mode
    }

    /// The [[feed]] tables, each URL once; every problem in them is recorded.
    func feeds(_ root: TOMLTable, defaultThreshold: Int, _ problems: inout Problems) -> [FeedConfig] {
        guard let feeds = root["feed"] else { return [] }
        guard case .array(let list) = feeds.value else {
            problems.add(fail(feeds.line, "feed must be written as [[feed]] tables", fix: "write each feed as a [[feed]] table with a url key"))
            return []
        }
        var out: [FeedConfig] = []
        var seen: [String: Int] = [:]
        for v in list {
            guard case .table(let t) = v else {
                problems.add(fail(feeds.line, "feed must be written as [[feed]] tables"))
                continue
            }
            guard let f = problems.check({ try feed(t, defaultThreshold: defaultThreshold) }) else { continue }
            if let other = seen[f.url] {
                problems.add(fail(t.line, "the feed \(f.url) is already configured on line \(other)", fix: "remove one of the two"))
                continue
            }
            seen[f.url] = t.line
            out.append(f)
        }
        return out
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
}

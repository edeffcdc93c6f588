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

        mutating func add(_ problem: ConfigError) { list.append(problem) }

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
        func resolve(_ path: String) -> String { Self.joined(directory, path) }
        for entry in root.entries where !Self.topKeys.contains(entry.key) {
            problems.add(fail(entry.line, "unknown key \(entry.key)", fix: suggestion(entry.key, Self.topKeys)))
        }
        var config = Config(
            path: file, spoolDir: resolve(problems.check { try string(root, "spool_dir") } ?? "spool"),
            stateDir: resolve(problems.check { try string(root, "state_dir") } ?? "state"))
        let threshold = problems.check { try int(root, "near_threshold", in: 0...DedupPolicy.maxNearThreshold) } ?? DedupPolicy.defaultNearThreshold
        if let policy = problems.check({ try dedup(root, threshold: threshold) }) { config.dedup = policy }
        if let update = problems.check({ try onUpdate(root) }) { config.onUpdate = update }
        config.maxAge = problems.check { try duration(root, "max_age") }
        config.maxItems = problems.check { try int(root, "max_items", in: 0...1_000_000) }
        config.grace = problems.check { try duration(root, "grace") } ?? config.grace
        config.nearWindow = problems.check { try duration(root, "near_window") } ?? config.nearWindow
        config.interval = problems.check { try interval(root) } ?? config.interval
        if let sock = problems.check({ try string(root, "socket") }) { config.socket = resolve(sock) }
        config.socketMode = problems.check { try socketMode(root) } ?? config.socketMode
        config.socketGroup = problems.check { try string(root, "socket_group") }
        config.opml = problems.check { try string(root, "opml") }.map(resolve)
        config.allowPrivateNetworks = problems.check { try bool(root, "allow_private_networks") } ?? false
        config.allowFileURLs = problems.check { try bool(root, "allow_file_urls") } ?? false
        config.userAgent = problems.check { try string(root, "user_agent") }
        config.maxBodyBytes = problems.check { try size(root, "max_body_size") } ?? config.maxBodyBytes
        config.concurrency = problems.check { try int(root, "concurrency", in: 1...1024) } ?? config.concurrency
        config.perHost = problems.check { try int(root, "per_host", in: 1...64) } ?? config.perHost
        config.perHostGapMilliseconds = Int(problems.check { try duration(root, "per_host_gap", milliseconds: true) } ?? 0)
        config.timeoutSeconds = Int(problems.check { try duration(root, "timeout") } ?? 30)
        config.connectTimeoutSeconds = Int(problems.check { try duration(root, "connect_timeout") } ?? 10)
        config.fullText = problems.check { try fullText(root) } ?? config.fullText
        config.fullTextTimeout = problems.check { try fullTextTimeout(root) } ?? config.fullTextTimeout
        config.pageBudget = problems.check { try int(root, "page_budget", in: 1...600) } ?? config.pageBudget
        config.pageBurst = problems.check { try int(root, "page_burst", in: 1...60) } ?? config.pageBurst
        config.stateURL = problems.check { try stateURL(root) }
        config.node = problems.check { try nodeName(root) } ?? config.node
        if let lease = problems.check({ try duration(root, "lease") }) {
            if lease < 5 || lease > 3600, let setting = root["lease"] {
                problems.add(fail(setting.line, "lease must be between 5s and 1h", fix: "the default is \"2m\""))
            } else {
                config.lease = lease
            }
        }
        if config.perHost > config.concurrency, let setting = root["per_host"] {
            problems.add(fail(setting.line, "per_host (\(config.perHost)) is larger than concurrency (\(config.concurrency))", fix: "lower per_host or raise concurrency"))
        }
        config.feeds = feeds(root, defaultThreshold: threshold, &problems)
        try problems.throwIfAny()
        return config
    }

    /// `socket_mode`: octal, written as a string ("0660") or as the digits of a number (660).
    func socketMode(_ root: TOMLTable) throws(ConfigError) -> UInt32? {
        guard let entry = root["socket_mode"] else { return nil }
        let digits: String?
        switch entry.value {
        case .string(let text): digits = text
        case .integer(let number): digits = String(number)
        default: digits = nil
        }
        guard let written = digits, let mode = UInt32(written.hasPrefix("0o") ? String(written.dropFirst(2)) : written, radix: 8), mode <= 0o777 else {
            throw fail(entry.line, "socket_mode must be an octal mode like \"0660\"")
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
        for value in list {
            guard case .table(let table) = value else {
                problems.add(fail(feeds.line, "feed must be written as [[feed]] tables"))
                continue
            }
            guard let parsed = problems.check({ try feed(table, defaultThreshold: defaultThreshold) }) else { continue }
            if let other = seen[parsed.url] {
                problems.add(fail(table.line, "the feed \(parsed.url) is already configured on line \(other)", fix: "remove one of the two"))
                continue
            }
            seen[parsed.url] = table.line
            out.append(parsed)
        }
        return out
    }

    /// One [[feed]] table; every problem in it is reported (as one error listing them).
    func feed(_ table: TOMLTable, defaultThreshold: Int) throws(ConfigError) -> FeedConfig {
        var problems = Problems()
        for entry in table.entries where !Self.feedKeys.contains(entry.key) {
            problems.add(fail(entry.line, "unknown key \(entry.key) in [[feed]]", fix: suggestion(entry.key, Self.feedKeys)))
        }
        var url = problems.check { try string(table, "url") }
        if table["url"] == nil {
            problems.add(fail(table.line, "a [[feed]] has no url", fix: "add url = \"https://…\""))
        }
        // "file:relative/path" names a file beside the configuration (the bundled demo).
        if let given = url, given.hasPrefix("file:"), !given.hasPrefix("file:/") {
            let path = Self.joined(directory, String(given.dropFirst(5)))
            url = "file://" + (path.hasPrefix("/") ? "" : "/") + path
        } else if let given = url, given.hasPrefix("file:/"), !given.hasPrefix("file://") {
            // "file:/srv/feeds/a.xml": the file URL RFC 8089 allows without an authority.
            url = "file://" + given.dropFirst(5)
        }
        if let given = url, let line = table["url"]?.line {
            let scheme = given.prefix { $0 != ":" }.lowercased()
            if !["http", "https", "file"].contains(scheme) || !given.contains("://") {
                problems.add(fail(line, "\(given) is not an http, https or file URL", fix: "write the full URL, e.g. https://example.com/feed.xml"))
            }
        }
        let threshold = problems.check { try int(table, "near_threshold", in: 0...DedupPolicy.maxNearThreshold) } ?? defaultThreshold
        var result = FeedConfig(
            url: url ?? "",
            name: problems.check { try string(table, "name") },
            dedup: problems.check { try dedup(table, threshold: threshold) },
            onUpdate: problems.check { try onUpdate(table) },
            maxAge: problems.check { try duration(table, "max_age") },
            maxItems: problems.check { try int(table, "max_items", in: 0...1_000_000) },
            interval: problems.check { try interval(table) }, line: table.line)
        result.tags = problems.check { try strings(table, "tags") } ?? []
        result.fullText = problems.check { try fullText(table) }
        result.fullTextTimeout = problems.check { try fullTextTimeout(table) }
        result.ignoreRobots = problems.check { try bool(table, "ignore_robots") } ?? false
        try problems.throwIfAny()
        return result
    }

    /// A libpq connection URI or keyword string. Only its form is checked here (the
    /// server answers for the rest, at start); a password in it is allowed (libpq reads it)
    /// but never repeated in a message.
    func stateURL(_ table: TOMLTable) throws(ConfigError) -> String? {
        guard let url = try string(table, "state_url"), let entry = table["state_url"] else { return nil }
        let trimmed = String(url.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        let uri = trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://")
        let keywords = !trimmed.contains("://") && trimmed.contains("=")
        guard uri || keywords else {
            throw fail(entry.line, "state_url must be a PostgreSQL connection URI (postgresql://…) or keyword string (host=… dbname=…)",
                fix: "leave it out to keep the state in state_dir (SQLite)")
        }
        return trimmed
    }

    /// A node name: what `status` shows and leases record.
    func nodeName(_ table: TOMLTable) throws(ConfigError) -> String? {
        guard let name = try string(table, "node"), let entry = table["node"] else { return nil }
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F
        }
        guard !name.isEmpty, name.utf8.count <= 63, allowed else {
            throw fail(entry.line, "node must be 1 to 63 letters, digits, '-', '.' or '_'", fix: "the default is the host name")
        }
        return name
    }
}

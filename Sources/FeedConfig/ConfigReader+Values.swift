import FeedCore

/// Typed values of the configuration's keys (strings, numbers, durations, sizes, the
/// policies), each failing with the key's line and what it wants.
extension ConfigReader {
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

import FeedCore

/// Typed values of the configuration's keys (strings, numbers, durations, sizes, the
/// policies), each failing with the key's line and what it wants.
extension ConfigReader {
    func string(_ table: TOMLTable, _ key: String) throws(ConfigError) -> String? {
        guard let entry = table[key] else { return nil }
        guard case .string(let text) = entry.value else { throw fail(entry.line, "\(key) must be a string, not \(entry.value.typeName)", fix: "put the value in quotes") }
        return text
    }

    func strings(_ table: TOMLTable, _ key: String) throws(ConfigError) -> [String]? {
        guard let entry = table[key] else { return nil }
        guard case .array(let items) = entry.value else { throw fail(entry.line, "\(key) must be an array of strings, like [\"News\", \"World\"]") }
        var out: [String] = []
        for value in items {
            guard case .string(let text) = value else { throw fail(entry.line, "\(key) must hold strings only") }
            out.append(text)
        }
        return out
    }

    func bool(_ table: TOMLTable, _ key: String) throws(ConfigError) -> Bool? {
        guard let entry = table[key] else { return nil }
        guard case .boolean(let flag) = entry.value else { throw fail(entry.line, "\(key) must be true or false, not \(entry.value.typeName)") }
        return flag
    }

    func int(_ table: TOMLTable, _ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let entry = table[key] else { return nil }
        guard case .integer(let number) = entry.value else { throw fail(entry.line, "\(key) must be a whole number, not \(entry.value.typeName)") }
        guard number >= range.lowerBound, number <= range.upperBound else {
            throw fail(entry.line, "\(key) = \(number) is out of range", fix: "use a value from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    func dedup(_ table: TOMLTable, threshold: Int) throws(ConfigError) -> DedupPolicy? {
        guard let name = try string(table, "dedup") else { return nil }
        guard let policy = DedupPolicy(name: name, threshold: threshold) else {
            throw fail(table["dedup"]!.line, "dedup = \"\(name)\" is not a policy", fix: "use \"feed\", \"global\" or \"near\"")
        }
        return policy
    }

    func onUpdate(_ table: TOMLTable) throws(ConfigError) -> UpdatePolicy? {
        guard let name = try string(table, "on_update") else { return nil }
        guard let policy = UpdatePolicy(rawValue: name) else {
            throw fail(table["on_update"]!.line, "on_update = \"\(name)\" is not a policy", fix: "use \"ignore\" or \"redeliver\"")
        }
        return policy
    }

    func fullText(_ table: TOMLTable) throws(ConfigError) -> FullTextMode? {
        guard let name = try string(table, "full_text") else { return nil }
        guard let mode = FullTextMode(rawValue: name) else {
            throw fail(table["full_text"]!.line, "full_text = \"\(name)\" is not a mode", fix: "use \"auto\", \"always\" or \"never\"")
        }
        return mode
    }

    /// How long an item waits for its page: 5 seconds (tests, impatient operators) to 7 days.
    func fullTextTimeout(_ table: TOMLTable) throws(ConfigError) -> Int64? {
        guard let value = try duration(table, "full_text_timeout") else { return nil }
        guard (5...7 * 86400).contains(value) else {
            throw fail(table["full_text_timeout"]!.line, "full_text_timeout must be between 5 seconds and 7 days", fix: "e.g. full_text_timeout = \"1h\"")
        }
        return value
    }

    /// A duration: whole seconds, or a string like "90d", "12h", "30m", "45s", "2w"
    /// ("500ms" too when `milliseconds`; the result is then in milliseconds).
    func duration(_ table: TOMLTable, _ key: String, milliseconds: Bool = false) throws(ConfigError) -> Int64? {
        guard let entry = table[key] else { return nil }
        let scale: Int64 = milliseconds ? 1000 : 1
        switch entry.value {
        case .integer(let number) where number >= 0: return number * scale
        case .string(let text):
            if let value = ConfigDuration.parse(text, milliseconds: milliseconds) { return value }
            throw fail(entry.line, "\(key) = \"\(text)\" is not a duration", fix: "write e.g. \"30d\", \"12h\", \"15m\" or \"45s\"")
        default:
            throw fail(entry.line, "\(key) must be a duration like \"30d\" or a number of seconds")
        }
    }

    /// A polling interval: a duration from 5 minutes to 24 hours.
    func interval(_ table: TOMLTable) throws(ConfigError) -> Int64? {
        guard let value = try duration(table, "interval") else { return nil }
        guard (300...86400).contains(value) else {
            throw fail(table["interval"]!.line, "interval must be between 5 minutes and 24 hours", fix: "e.g. interval = \"60m\"")
        }
        return value
    }

    /// A size: bytes, or a string like "16MiB", "512KiB", "1GiB" (also MB/KB/GB as powers of 1000).
    func size(_ table: TOMLTable, _ key: String) throws(ConfigError) -> Int? {
        guard let entry = table[key] else { return nil }
        switch entry.value {
        case .integer(let number) where number > 0: return Int(number)
        case .string(let text):
            let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)]
            for (unit, mode) in units where text.hasSuffix(unit) {
                if let number = Int(text.dropLast(unit.count).filter { $0 != " " }), number > 0 { return number * mode }
            }
            fallthrough
        default:
            throw fail(entry.line, "\(key) must be a size like \"16MiB\" or a number of bytes")
        }
    }

    /// "did you mean …" for a misspelt key.
    func suggestion(_ key: String, _ known: [String]) -> String {
        let best = known.min { editDistance($0, key) < editDistance($1, key) }
        if let best, editDistance(best, key) <= 3 { return "did you mean \(best)?" }
        return "known keys: " + known.joined(separator: ", ")
    }
}

/// A site's `robots.txt` (RFC 9309): which paths a crawler may fetch, and how long it
/// should wait between requests (`Crawl-delay`, which RFC 9309 leaves out but many sites
/// set and polite crawlers obey).
///
/// The group for a crawler is the one naming its product token (case-insensitively), else
/// the `*` group; consecutive `User-agent` lines share a group. Within the group the longest
/// matching rule wins, `Allow` over `Disallow` on a tie; `*` matches any run of characters
/// and `$` ends a pattern. No group, or no matching rule: allowed.
public struct RobotsTxt: Sendable {
    struct Rule: Sendable {
        var allow: Bool
        var pattern: [UInt8]
    }

    struct Group: Sendable {
        var agents: [String] = []
        var rules: [Rule] = []
        var crawlDelay: Double?
    }

    private var groups: [Group] = []

    /// The most of a file read (RFC 9309 §2.5 asks for at least 500 KiB).
    public static let maxBytes = 512 << 10

    /// Everything allowed (a site without `robots.txt`, or one answering 4xx for it).
    public static let allowAll = RobotsTxt(text: "")

    public init(text: String) {
        var current: Group?
        var lastWasAgent = false
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingSpaces.lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces
            switch key {
            case "user-agent":
                if !lastWasAgent {
                    if let group = current { groups.append(group) }
                    current = Group()
                }
                current?.agents.append(value.lowercased())
                lastWasAgent = true
            case "allow", "disallow":
                lastWasAgent = false
                // An empty Disallow allows everything: no rule.
                if !value.isEmpty { current?.rules.append(Rule(allow: key == "allow", pattern: Array(value.utf8))) }
            case "crawl-delay":
                lastWasAgent = false
                if let delay = Double(value), delay >= 0 { current?.crawlDelay = delay }
            default:
                lastWasAgent = false
            }
        }
        if let group = current { groups.append(group) }
    }

    private func group(for agent: String) -> Group? {
        let token = agent.lowercased().split(separator: "/").first.map(String.init) ?? agent.lowercased()
        return groups.first { $0.agents.contains { $0 != "*" && token.hasPrefix($0) } }
            ?? groups.first { $0.agents.contains("*") }
    }

    /// Whether `agent` may fetch `path` (the URL's path and query, starting with `/`).
    public func allows(_ path: String, agent: String) -> Bool {
        guard let group = group(for: agent) else { return true }
        let target = Array((path.isEmpty ? "/" : path).utf8)
        var best: (length: Int, allow: Bool)?
        for rule in group.rules where Self.matches(rule.pattern, target) {
            let length = rule.pattern.count
            if best == nil || length > best!.length || (length == best!.length && rule.allow) { best = (length, rule.allow) }
        }
        return best?.allow ?? true
    }

    /// The seconds `agent` should wait between requests, if the site says.
    public func crawlDelay(agent: String) -> Double? { group(for: agent)?.crawlDelay }

    /// `pattern` (with `*` and a final `$`) matches a prefix of `path`, or all of it with `$`.
    /// Linear in both (the two-pointer wildcard match, back to the last `*` on a mismatch):
    /// a site's file cannot make it blow up with many stars.
    static func matches(_ pattern: [UInt8], _ path: [UInt8]) -> Bool {
        var pat = pattern
        if pat.last == 0x24 { pat.removeLast() } else { pat.append(0x2A) }  // a prefix: a final star
        var p = 0, s = 0
        var star = -1, resume = 0
        while s < path.count {
            if p < pat.count && pat[p] == 0x2A {
                star = p
                resume = s
                p += 1
            } else if p < pat.count && pat[p] == path[s] {
                p += 1
                s += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                s = resume
            } else {
                return false
            }
        }
        while p < pat.count && pat[p] == 0x2A { p += 1 }
        return p == pat.count
    }
}

extension Substring {
    var trimmingSpaces: String {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

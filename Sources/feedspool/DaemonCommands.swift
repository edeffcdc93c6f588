import ArgumentParser
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what the daemon is doing.",
        discussion: "Exit status: 0, 1 when the daemon answers with an error, 3 when no daemon answers.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request("status")
            if daemon.json {
                print(jsonLine(r))
                return
            }
            guard let s = r as? [String: Any] else { throw ClientError.failed("unexpected answer") }
            let feeds = s["feeds"] as? [String: Any] ?? [:]
            let articles = s["articles"] as? [String: Any] ?? [:]
            let spool = s["spool"] as? [String: Any] ?? [:]
            func n(_ d: [String: Any], _ k: String) -> Int { (d[k] as? NSNumber)?.intValue ?? 0 }
            print("feedspoold \(s["version"] as? String ?? "?"), up \(Self.duration(n(s, "uptime_seconds"))) (pid \(n(s, "pid")))")
            print("feeds      \(n(feeds, "total")) (\(n(feeds, "healthy")) healthy, \(n(feeds, "failing")) failing, \(n(feeds, "retired")) retired)")
            print("articles   \(n(articles, "today")) today, \(n(articles, "last_hour")) in the last hour, \(n(articles, "delivered_total")) since start; \(n(articles, "duplicates_skipped")) duplicates skipped")
            print("last       \(articles["last_delivery"] as? String ?? "-")")
            print("polls      \(n(s, "polls")) done, \(n(s, "in_flight")) in flight, next \(s["next_poll"] as? String ?? "-")")
            if let full = s["full_text"] as? [String: Any] {
                let pageText = full["page_text"] as? [String: Any] ?? [:]
                let feedText = full["feed_text"] as? [String: Any] ?? [:]
                let used = pageText.keys.reduce(0) { $0 + n(pageText, $1) }
                let fell = feedText.keys.reduce(0) { $0 + n(feedText, $1) }
                let reasons = feedText.keys.sorted().map { "\($0) \(n(feedText, $0))" }.joined(separator: ", ")
                print("full text  \(n(full, "waiting")) waiting (\(n(full, "in_flight")) in flight); \(used) with the page's text, \(fell) with the feed's\(reasons.isEmpty ? "" : " (\(reasons))")")
                print("pages      \(n(full, "page_requests")) requested, \(n(full, "robots_requests")) robots.txt, \(n(full, "retries")) retries, \(n(full, "budget_waits")) waits for a site's budget")
            }
            if let cluster = s["cluster"] as? [String: Any] {
                let state = cluster["state"] as? String ?? "?"
                let why = cluster["error"] as? String
                print("cluster    node \(cluster["node"] as? String ?? "?"), state \(state)\(why.map { ": \($0)" } ?? "")")
                if let t = cluster["totals"] as? [String: Any] {
                    print("           \(n(t, "feeds")) feeds, \(n(t, "delivered")) articles delivered by all nodes, \(n(t, "duplicates")) duplicates, \(n(t, "waiting_pages")) waiting for their page")
                }
                for node in cluster["nodes"] as? [[String: Any]] ?? [] {
                    let alive = node["alive"] as? Bool ?? false
                    print("node       \(node["name"] as? String ?? "?") \(alive ? "alive" : "DOWN"), \(n(node, "feeds_leased")) feeds leased of \(n(node, "feeds_listed")) listed, \(n(node, "pending_intents")) pending intents, heartbeat \(node["last_heartbeat"] as? String ?? "-")")
                }
                if cluster["feed_lists_agree"] as? Bool == false {
                    print("warning    the nodes alive list different feeds: deploy the same configuration to every node")
                }
            }
            let free = (spool["free_bytes"] as? NSNumber).map { Self.bytes($0.int64Value) } ?? "?"
            print("spool      \(spool["path"] as? String ?? "?") (\(free) free)")
            if let reload = s["last_reload"] as? [String: Any] {
                print("reload     \(reload["time"] as? String ?? "") \((reload["ok"] as? Bool ?? false) ? "ok" : "FAILED"): \(reload["message"] as? String ?? "")")
            }
            let errors = s["last_errors"] as? [[String: Any]] ?? []
            for e in errors.prefix(5) {
                print("error      \(e["time"] as? String ?? "") \(e["feed"] as? String ?? ""): \(e["stage"] as? String ?? "") \(e["message"] as? String ?? "")")
            }
        }
    }

    static func duration(_ s: Int) -> String {
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
        return "\(s / 86400)d \(s % 86400 / 3600)h"
    }

    static func bytes(_ b: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(b)
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        return u == 0 ? "\(b) B" : String(format: "%.1f %@", v, units[u])
    }
}

struct FeedsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feeds", abstract: "Show every feed's health and schedule.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request("feeds")
            guard let feeds = r as? [[String: Any]] else { throw ClientError.failed("unexpected answer") }
            if daemon.json {
                for f in feeds { print(jsonLine(f)) }
                return
            }
            print("HEALTH   FAILS HTTP NEW   PAGES     NEXT                  WHY                          FEED")
            for f in feeds {
                let health = (f["health"] as? String ?? "?").padding(toLength: 8, withPad: " ", startingAt: 0)
                let fails = String((f["failure_streak"] as? NSNumber)?.intValue ?? 0).padding(toLength: 5, withPad: " ", startingAt: 0)
                let http = ((f["http_status"] as? NSNumber).map { String($0.intValue) } ?? "-").padding(toLength: 4, withPad: " ", startingAt: 0)
                let new = String((f["delivered"] as? NSNumber)?.intValue ?? 0).padding(toLength: 5, withPad: " ", startingAt: 0)
                // Full text's success: articles delivered with their page's text / pages fetched.
                let tried = (f["pages_tried"] as? NSNumber)?.intValue ?? 0, used = (f["pages_used"] as? NSNumber)?.intValue ?? 0
                let pages = (tried == 0 ? "-" : "\(used)/\(tried)").padding(toLength: 9, withPad: " ", startingAt: 0)
                let next = (f["next_due"] as? String ?? "-").padding(toLength: 21, withPad: " ", startingAt: 0)
                let why = (f["due_reason"] as? String ?? "-").padding(toLength: 28, withPad: " ", startingAt: 0)
                print("\(health) \(fails) \(http) \(new) \(pages) \(next) \(why) \(f["url"] as? String ?? "")")
                if let e = f["last_error"] as? String {
                    print("         └ \(f["last_error_stage"] as? String ?? ""): \(e)")
                }
            }
        }
    }
}

struct PollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll", abstract: "Poll feeds now (all when none is named); revives retired feeds.")

    @OptionGroup var daemon: DaemonOptions

    @Argument(help: ArgumentHelp("Feed URLs as configured.", valueName: "feed"))
    var feeds: [String] = []

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request("poll", extra: feeds.isEmpty ? [:] : ["feeds": feeds])
            if daemon.json { print(jsonLine(r)); return }
            let queued = (r as? [String: Any])?["queued"] as? [String] ?? []
            print("polling \(queued.count) feed\(queued.count == 1 ? "" : "s") now")
        }
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Make the daemon re-read its configuration (like SIGHUP).",
        discussion: "An invalid configuration is refused with the reason (exit 1); the daemon keeps the running one.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request("reload")
            if daemon.json { print(jsonLine(r)); return }
            print((r as? [String: Any])?["message"] as? String ?? "reloaded")
        }
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Print the daemon's metrics (Prometheus text format).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request("metrics")
            print((r as? [String: Any])?["text"] as? String ?? "", terminator: "")
        }
    }
}

import FeedCore
import ArgumentParser
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show what the daemon is doing.",
        discussion: "Exit status: 0, 1 when the daemon answers with an error, 3 when no daemon answers.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let s = try daemon.request(.init("status"))
            if daemon.json {
                print(s.encoded)
                return
            }
            guard s.isObject else { throw ClientError.failed("unexpected answer: \(s.encoded.prefix(200))") }
            let feeds = s["feeds"], articles = s["articles"], spool = s["spool"]
            func n(_ v: JSONValue?, _ k: String) -> Int64 { v?[k]?.int64 ?? 0 }
            func text(_ v: JSONValue?, _ k: String, _ absent: String = "-") -> String { v?[k]?.string ?? absent }
            print("feedspoold \(text(s, "version", "?")), up \(Self.duration(Int(n(s, "uptime_seconds")))) (pid \(n(s, "pid")))")
            print("feeds      \(n(feeds, "total")) (\(n(feeds, "healthy")) healthy, \(n(feeds, "failing")) failing, \(n(feeds, "retired")) retired)")
            print("articles   \(n(articles, "today")) today, \(n(articles, "last_hour")) in the last hour, \(n(articles, "delivered_total")) since start; \(n(articles, "duplicates_skipped")) duplicates skipped")
            print("last       \(text(articles, "last_delivery"))")
            print("polls      \(n(s, "polls")) done, \(n(s, "in_flight")) in flight, next \(text(s, "next_poll"))")
            if let full = s["full_text"], full.isObject {
                let pageText = full["page_text"]?.members ?? [], feedText = full["feed_text"]?.members ?? []
                let used = pageText.reduce(0) { $0 + ($1.1.int64 ?? 0) }
                let fell = feedText.reduce(0) { $0 + ($1.1.int64 ?? 0) }
                let reasons = feedText.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1.int64 ?? 0)" }.joined(separator: ", ")
                print("full text  \(n(full, "waiting")) waiting (\(n(full, "in_flight")) in flight); \(used) with the page's text, \(fell) with the feed's\(reasons.isEmpty ? "" : " (\(reasons))")")
                print("pages      \(n(full, "page_requests")) requested, \(n(full, "robots_requests")) robots.txt, \(n(full, "retries")) retries, \(n(full, "budget_waits")) waits for a site's budget")
            }
            if let cluster = s["cluster"], cluster.isObject {
                let why = cluster["error"]?.string
                print("cluster    node \(text(cluster, "node", "?")), state \(text(cluster, "state", "?"))\(why.map { ": \($0)" } ?? "")")
                if let t = cluster["totals"], t.isObject {
                    print("           \(n(t, "feeds")) feeds, \(n(t, "delivered")) articles delivered by all nodes, \(n(t, "duplicates")) duplicates, \(n(t, "waiting_pages")) waiting for their page")
                }
                for node in cluster["nodes"]?.array ?? [] {
                    let alive = node["alive"]?.bool ?? false
                    print("node       \(text(node, "name", "?")) \(alive ? "alive" : "DOWN"), \(n(node, "feeds_leased")) feeds leased of \(n(node, "feeds_listed")) listed, \(n(node, "pending_intents")) pending intents, heartbeat \(text(node, "last_heartbeat"))")
                }
                if cluster["feed_lists_agree"]?.bool == false {
                    print("warning    the nodes alive list different feeds: deploy the same configuration to every node")
                }
            }
            let free = spool?["free_bytes"]?.int64.map(Self.bytes) ?? "?"
            print("spool      \(text(spool, "path", "?")) (\(free) free)")
            if let reload = s["last_reload"], reload.isObject {
                print("reload     \(text(reload, "time", "")) \((reload["ok"]?.bool ?? false) ? "ok" : "FAILED"): \(text(reload, "message", ""))")
            }
            for e in (s["last_errors"]?.array ?? []).prefix(5) {
                print("error      \(text(e, "time", "")) \(text(e, "feed", "")): \(text(e, "stage", "")) \(text(e, "message", ""))")
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
            let r = try daemon.request(.init("feeds"))
            guard let feeds = r.array else { throw ClientError.failed("unexpected answer: \(r.encoded.prefix(200))") }
            if daemon.json {
                for f in feeds { print(f.encoded) }
                return
            }
            func column(_ s: String, _ width: Int) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
            print("HEALTH   FAILS HTTP NEW   PAGES     NEXT                  WHY                          FEED")
            for f in feeds {
                let health = column(f["health"]?.string ?? "?", 8)
                let fails = column(String(f["failure_streak"]?.int64 ?? 0), 5)
                let http = column(f["http_status"]?.int64.map(String.init) ?? "-", 4)
                let new = column(String(f["delivered"]?.int64 ?? 0), 5)
                // Full text's success: articles delivered with their page's text / pages fetched.
                let tried = f["pages_tried"]?.int64 ?? 0, used = f["pages_used"]?.int64 ?? 0
                let pages = column(tried == 0 ? "-" : "\(used)/\(tried)", 9)
                let next = column(f["next_due"]?.string ?? "-", 21)
                let why = column(f["due_reason"]?.string ?? "-", 28)
                print("\(health) \(fails) \(http) \(new) \(pages) \(next) \(why) \(f["url"]?.string ?? "")")
                if let e = f["last_error"]?.string {
                    print("         └ \(f["last_error_stage"]?.string ?? ""): \(e)")
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
            let r = try daemon.request(.init("poll", feeds: feeds.isEmpty ? nil : feeds))
            if daemon.json { print(r.encoded); return }
            let queued = r["queued"]?.array ?? []
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
            let r = try daemon.request(.init("reload"))
            if daemon.json { print(r.encoded); return }
            print(r["message"]?.string ?? "reloaded")
        }
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Print the daemon's metrics (Prometheus text format).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let r = try daemon.request(.init("metrics"))
            print(r["text"]?.string ?? "", terminator: "")
        }
    }
}

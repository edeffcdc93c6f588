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
            let status = try daemon.request(.init("status"))
            if daemon.json {
                print(status.encoded)
                return
            }
            guard status.isObject else { throw ClientError.failed("unexpected answer: \(status.encoded.prefix(200))") }
            let feeds = status["feeds"], articles = status["articles"], spool = status["spool"]
            func number(_ object: JSONValue?, _ key: String) -> Int64 { object?[key]?.int64 ?? 0 }
            func text(_ object: JSONValue?, _ key: String, _ absent: String = "-") -> String { object?[key]?.string ?? absent }
            print("feedspoold \(text(status, "version", "?")), up \(Self.duration(Int(number(status, "uptime_seconds")))) (pid \(number(status, "pid")))")
            print("feeds      \(number(feeds, "total")) (\(number(feeds, "healthy")) healthy, \(number(feeds, "failing")) failing, \(number(feeds, "retired")) retired)")
            print("articles   \(number(articles, "today")) today, \(number(articles, "last_hour")) in the last hour, \(number(articles, "delivered_total")) since start; \(number(articles, "duplicates_skipped")) duplicates skipped")
            print("last       \(text(articles, "last_delivery"))")
            print("polls      \(number(status, "polls")) done, \(number(status, "in_flight")) in flight, next \(text(status, "next_poll"))")
            if let full = status["full_text"], full.isObject {
                let pageText = full["page_text"]?.members ?? [], feedText = full["feed_text"]?.members ?? []
                let used = pageText.reduce(0) { $0 + ($1.1.int64 ?? 0) }
                let fell = feedText.reduce(0) { $0 + ($1.1.int64 ?? 0) }
                let reasons = feedText.sorted { $0.0 < $1.0 }.map { "\($0.0) \($0.1.int64 ?? 0)" }.joined(separator: ", ")
                print("full text  \(number(full, "waiting")) waiting (\(number(full, "in_flight")) in flight); \(used) with the page's text, \(fell) with the feed's\(reasons.isEmpty ? "" : " (\(reasons))")")
                print("pages      \(number(full, "page_requests")) requested, \(number(full, "robots_requests")) robots.txt, \(number(full, "retries")) retries, \(number(full, "budget_waits")) waits for a site's budget")
            }
            if let cluster = status["cluster"], cluster.isObject {
                let why = cluster["error"]?.string
                print("cluster    node \(text(cluster, "node", "?")), state \(text(cluster, "state", "?"))\(why.map { ": \($0)" } ?? "")")
                if let totals = cluster["totals"], totals.isObject {
                    print("           \(number(totals, "feeds")) feeds, \(number(totals, "delivered")) articles delivered by all nodes, \(number(totals, "duplicates")) duplicates, \(number(totals, "waiting_pages")) waiting for their page")
                }
                for node in cluster["nodes"]?.array ?? [] {
                    let alive = node["alive"]?.bool ?? false
                    print("node       \(text(node, "name", "?")) \(alive ? "alive" : "DOWN"), \(number(node, "feeds_leased")) feeds leased of \(number(node, "feeds_listed")) listed, \(number(node, "pending_intents")) pending intents, heartbeat \(text(node, "last_heartbeat"))")
                }
                if cluster["feed_lists_agree"]?.bool == false {
                    print("warning    the nodes alive list different feeds: deploy the same configuration to every node")
                }
            }
            let free = spool?["free_bytes"]?.int64.map(Self.bytes) ?? "?"
            print("spool      \(text(spool, "path", "?")) (\(free) free)")
            if let reload = status["last_reload"], reload.isObject {
                print("reload     \(text(reload, "time", "")) \((reload["ok"]?.bool ?? false) ? "ok" : "FAILED"): \(text(reload, "message", ""))")
            }
            for problem in (status["last_errors"]?.array ?? []).prefix(5) {
                print("error      \(text(problem, "time", "")) \(text(problem, "feed", "")): \(text(problem, "stage", "")) \(text(problem, "message", ""))")
            }
        }
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m \(seconds % 60)s" }
        if seconds < 86400 { return "\(seconds / 3600)h \(seconds % 3600 / 60)m" }
        return "\(seconds / 86400)d \(seconds % 86400 / 3600)h"
    }

    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = Double(count)
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 { scaled /= 1024; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", scaled, units[unit])
    }
}

struct FeedsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "feeds", abstract: "Show every feed's health and schedule.")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let answer = try daemon.request(.init("feeds"))
            guard let feeds = answer.array else { throw ClientError.failed("unexpected answer: \(answer.encoded.prefix(200))") }
            if daemon.json {
                for feed in feeds { print(feed.encoded) }
                return
            }
            func column(_ status: String, _ width: Int) -> String { status.padding(toLength: width, withPad: " ", startingAt: 0) }
            print("HEALTH   FAILS HTTP NEW   PAGES     NEXT                  WHY                          FEED")
            for feed in feeds {
                let health = column(feed["health"]?.string ?? "?", 8)
                let fails = column(String(feed["failure_streak"]?.int64 ?? 0), 5)
                let http = column(feed["http_status"]?.int64.map(String.init) ?? "-", 4)
                let new = column(String(feed["delivered"]?.int64 ?? 0), 5)
                // Full text's success: articles delivered with their page's text / pages fetched.
                let tried = feed["pages_tried"]?.int64 ?? 0, used = feed["pages_used"]?.int64 ?? 0
                let pages = column(tried == 0 ? "-" : "\(used)/\(tried)", 9)
                let next = column(feed["next_due"]?.string ?? "-", 21)
                let why = column(feed["due_reason"]?.string ?? "-", 28)
                print("\(health) \(fails) \(http) \(new) \(pages) \(next) \(why) \(feed["url"]?.string ?? "")")
                if let problem = feed["last_error"]?.string {
                    print("         └ \(feed["last_error_stage"]?.string ?? ""): \(problem)")
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
            let answer = try daemon.request(.init("poll", feeds: feeds.isEmpty ? nil : feeds))
            if daemon.json { print(answer.encoded); return }
            let queued = answer["queued"]?.array ?? []
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
            let answer = try daemon.request(.init("reload"))
            if daemon.json { print(answer.encoded); return }
            print(answer["message"]?.string ?? "reloaded")
        }
    }
}

struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Print the daemon's metrics (Prometheus text format).")

    @OptionGroup var daemon: DaemonOptions

    func run() throws {
        try clientRun { () throws(ClientError) in
            let answer = try daemon.request(.init("metrics"))
            print(answer["text"]?.string ?? "", terminator: "")
        }
    }
}

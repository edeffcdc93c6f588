import FeedCore
import FeedFetch
import FeedSpool
import FeedIngest
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

/// Answers the control socket's requests from the status board; `poll` and `reload` go to
/// the poller; `show` reads the state through its own read-only connection.
final class DaemonHandler: ControlHandler {
    let board: StatusBoard
    let inbox: PollerInbox
    let clock: @Sendable () -> Int64
    /// How many connections follow the event stream (the server is made after its handler).
    let subscriberCount = Locked<(@Sendable () -> Int)?>(nil)

    init(board: StatusBoard, inbox: PollerInbox, clock: @escaping @Sendable () -> Int64) {
        self.board = board
        self.inbox = inbox
        self.clock = clock
    }

    func handle(_ request: ControlProtocol.Request, reply: @escaping @Sendable (String) -> Void) {
        let now = clock()
        switch request.cmd {
        case "ping":
            reply(ControlProtocol.success("{\"pong\":true}"))
        case "status":
            let snap = board.snapshot
            let subscribers = subscriberCount.withLock { $0 }?() ?? 0
            reply(ControlProtocol.success(Self.status(snap, now: now, totals: board.totals(of: snap, now: now), subscribers: subscribers)))
        case "feeds":
            reply(ControlProtocol.success(Self.feeds(board.snapshot, now: now)))
        case "metrics":
            var w = JSONWriter()
            w.beginObject()
            w.string("text", Metrics.prometheus(board.snapshot, hosts: board.hosts.snapshot, now: now))
            w.endObject()
            reply(ControlProtocol.success(w.string))
        case "poll":
            let s = board.snapshot
            let wanted = request.feeds ?? []
            let unknown = wanted.filter { s.feeds[$0] == nil }
            guard unknown.isEmpty else {
                reply(ControlProtocol.failure("unknown-feed", "not configured: \(unknown.joined(separator: ", "))"))
                return
            }
            inbox.send(.poll(wanted))
            var w = JSONWriter()
            w.beginObject()
            w.beginArray("queued")
            for key in wanted.isEmpty ? s.order : wanted { w.string(nil, key) }
            w.endArray()
            w.endObject()
            reply(ControlProtocol.success(w.string))
        case "reload":
            inbox.send(.reload(reply: { outcome in
                switch outcome {
                case .success(let message):
                    var w = JSONWriter()
                    w.beginObject()
                    w.string("message", message)
                    w.endObject()
                    reply(ControlProtocol.success(w.string))
                case .failure(let e):
                    reply(ControlProtocol.failure("invalid-config", e.description))
                }
            }))
        case "show":
            guard let article = request.article else {
                reply(ControlProtocol.failure("bad-request", "show needs \"article\": a sequence number or an id"))
                return
            }
            reply(show(article))
        default:
            reply(ControlProtocol.failure("unknown-command", "\(request.cmd) is not a command (status, feeds, poll, reload, subscribe, metrics, show, ping)"))
        }
    }

    private func show(_ article: String) -> String {
        do {
            // The board's state: the one in use, after any reload that moved it.
            let s = board.snapshot
            let store = try IngestSite.openState(stateDir: s.stateDir, stateURL: s.stateURL, node: s.cluster?.node ?? "", readOnly: true)
            let found: [Delivery]
            if article.count == 16, article.allSatisfy(\.isHexDigit) {
                found = try store.deliveries(articleID: article.lowercased())
            } else if let seq = Int64(article) {
                found = try store.delivery(seq: seq).map { [$0] } ?? []
            } else {
                return ControlProtocol.failure("bad-request", "\(article): give a sequence number or a 16-hex-digit id")
            }
            guard !found.isEmpty else { return ControlProtocol.failure("not-found", "\(article): no such article") }
            var w = JSONWriter()
            w.beginArray()
            for d in found {
                w.beginObject()
                Provenance.write(d, into: &w, spoolDir: board.snapshot.spoolDir)
                w.bool("delivered", d.delivered)
                w.endObject()
            }
            w.endArray()
            return ControlProtocol.success(w.string)
        } catch {
            return ControlProtocol.failure("state", "\(error)")
        }
    }

    static func status(_ s: StatusBoard.Snapshot, now: Int64, totals t: StatusBoard.Totals, subscribers: Int = 0) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.string("version", FeedspoolVersion.string)
        w.int("pid", Int64(getpid()))
        w.int("uptime_seconds", now - s.started)
        w.string("config", s.configPath)
        w.beginObject("feeds")
        w.int("total", Int64(t.feeds))
        w.int("healthy", Int64(t.healthy))
        w.int("failing", Int64(t.failing))
        w.int("retired", Int64(t.retired))
        w.endObject()
        w.int("in_flight", Int64(s.inFlight))
        w.beginObject("articles")
        w.int("delivered_total", s.deliveredTotal)
        w.int("last_hour", Int64(t.deliveredLastHour))
        w.int("today", Int64(t.deliveredToday))
        w.int("duplicates_skipped", s.duplicatesTotal)
        w.string("last_delivery", s.lastDelivery.map { FeedDate(secondsSinceEpoch: $0).utcString })
        w.endObject()
        w.int("polls", s.polls)
        w.int("subscribers", Int64(subscribers))
        w.beginObject("full_text")
        w.int("waiting", Int64(s.pages.waiting))
        w.int("in_flight", Int64(s.pages.inFlight))
        w.int("page_requests", s.pages.counters.pageFetches)
        w.int("robots_requests", s.pages.counters.robotsFetches)
        w.int("retries", s.pages.counters.retries)
        w.int("budget_waits", s.pages.counters.budgetWaits)
        w.beginObject("page_text")
        for (k, v) in s.pages.text.sorted(by: { $0.key < $1.key }) { w.int(k, v) }
        w.endObject()
        w.beginObject("feed_text")
        for (k, v) in s.pages.fallbacks.sorted(by: { $0.key < $1.key }) { w.int(k, v) }
        w.endObject()
        w.endObject()
        w.string("next_poll", t.nextPoll.map { FeedDate(secondsSinceEpoch: $0).utcString })
        w.beginObject("spool")
        w.string("path", s.spoolDir)
        w.int("free_bytes", PosixFileSystem().freeBytes(s.spoolDir))
        w.endObject()
        w.beginArray("last_errors")
        for e in s.lastErrors.suffix(10).reversed() {
            w.beginObject()
            w.string("time", FeedDate(secondsSinceEpoch: e.time).utcString)
            w.string("feed", e.feed)
            w.string("stage", e.stage)
            w.string("message", e.message)
            w.endObject()
        }
        w.endArray()
        if let r = s.lastReload {
            w.beginObject("last_reload")
            w.string("time", FeedDate(secondsSinceEpoch: r.time).utcString)
            w.bool("ok", r.ok)
            w.string("message", r.message)
            w.endObject()
        } else {
            w.raw("last_reload", "null")
        }
        writeCluster(s.cluster, into: &w)
        w.string("status_line", StatusBoard.statusLine(s, now: now, totals: t))
        w.endObject()
        return w.string
    }

    /// `cluster`: this node, whether the shared state is reachable, every node (alive,
    /// feeds leased and listed, pending intents, last heartbeat), the cluster's totals.
    /// Null on a single machine.
    static func writeCluster(_ c: StatusBoard.ClusterFigures?, into w: inout JSONWriter) {
        guard let c else {
            w.raw("cluster", "null")
            return
        }
        w.beginObject("cluster")
        w.string("node", c.node)
        w.string("state", c.unreachable == nil ? "reachable" : "unreachable")
        w.string("error", c.unreachable)
        w.beginArray("nodes")
        let hashes = Set(c.nodes.filter(\.alive).compactMap(\.feedsHash))
        for n in c.nodes {
            w.beginObject()
            w.string("name", n.name)
            w.bool("alive", n.alive)
            w.string("version", n.version)
            w.string("last_heartbeat", FeedDate(secondsSinceEpoch: n.heartbeat).utcString)
            w.int("feeds_leased", n.feedsLeased)
            w.int("feeds_listed", n.feedsListed)
            w.int("pending_intents", n.pendingIntents)
            w.endObject()
        }
        w.endArray()
        // Nodes alive whose configurations list different feeds (the rule: one file, every node).
        w.bool("feed_lists_agree", hashes.count <= 1)
        if let t = c.totals {
            w.beginObject("totals")
            w.int("feeds", t.feeds)
            w.int("delivered", t.delivered)
            w.int("duplicates", t.duplicates)
            w.int("waiting_pages", t.waitingPages)
            w.endObject()
        }
        w.endObject()
    }

    static func feeds(_ s: StatusBoard.Snapshot, now: Int64) -> String {
        var w = JSONWriter()
        w.beginArray()
        for key in s.order {
            guard let f = s.feeds[key] else { continue }
            w.beginObject()
            w.string("key", f.key)
            w.string("url", f.url)
            w.string("name", f.name)
            w.string("title", f.title)
            w.string("health", f.retired ? "retired" : f.failureStreak > 0 ? "failing" : f.lastSuccess == nil ? "new" : "ok")
            w.string("last_fetch", f.lastFetch.map { FeedDate(secondsSinceEpoch: $0).utcString })
            w.string("last_success", f.lastSuccess.map { FeedDate(secondsSinceEpoch: $0).utcString })
            w.int("http_status", f.lastStatus.map(Int64.init))
            w.int("failure_streak", Int64(f.failureStreak))
            w.string("last_error", f.lastError)
            w.string("last_error_stage", f.lastErrorStage)
            w.string("next_due", f.nextDue.map { FeedDate(secondsSinceEpoch: $0).utcString })
            w.string("due_reason", f.dueReason)
            w.bool("etag", f.etag != nil)
            w.bool("last_modified", f.lastModified != nil)
            w.int("delivered", f.delivered)
            w.int("duplicates", f.duplicates)
            w.int("pages_tried", f.pagesTried)
            w.int("pages_used", f.pagesUsed)
            w.endObject()
        }
        w.endArray()
        return w.string
    }
}

/// The `metrics` text, in Prometheus' exposition format.
enum Metrics {
    /// A label value escaped as the exposition format wants (backslash, quote, newline).
    static func labelValue(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }

    static func prometheus(_ s: StatusBoard.Snapshot, hosts: HostLoad.Snapshot = .init(), now: Int64) -> String {
        let t = StatusBoard.totals(s, now: now)
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int64)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(v)\n" }
        }
        metric("feedspool_feeds", "gauge", "Configured feeds by health.", [
            ("{state=\"healthy\"}", Int64(t.healthy)), ("{state=\"failing\"}", Int64(t.failing)), ("{state=\"retired\"}", Int64(t.retired)),
        ])
        metric("feedspool_articles_delivered_total", "counter", "Articles delivered into the spool since start.", [("", s.deliveredTotal)])
        metric("feedspool_duplicates_skipped_total", "counter", "Items skipped as duplicates since start.", [("", s.duplicatesTotal)])
        metric("feedspool_polls_total", "counter", "Feed polls completed since start.", [("", s.polls)])
        metric("feedspool_polls_in_flight", "gauge", "Feed polls in progress.", [("", Int64(s.inFlight))])
        metric("feedspool_spool_free_bytes", "gauge", "Free space on the spool's filesystem.", [("", PosixFileSystem().freeBytes(s.spoolDir) ?? 0)])
        metric("feedspool_uptime_seconds", "gauge", "Seconds since the daemon started.", [("", now - s.started)])
        metric("feedspool_state_write_failures_total", "counter", "State writes that failed since start (a poll's record, its schedule, pruning).", [("", s.stateWriteFailures)])
        metric("feedspool_state_bytes", "gauge", "Bytes of the state database on disk, with its write-ahead log.", [("", Self.stateBytes(s.stateDir))])
        if let p = s.lastPrune { metric("feedspool_state_last_prune_timestamp_seconds", "gauge", "When the state was last pruned (Unix time).", [("", p)]) }
        metric("feedspool_http_responses_total", "counter", "Feed fetches by final HTTP status (0: no HTTP answer).",
            s.httpStatuses.keys.sorted().map { ("{code=\"\($0)\"}", s.httpStatuses[$0]!) })
        out += "# HELP feedspool_fetch_duration_seconds Feed fetch time, by outcome (ok, not-modified, failed, gone).\n# TYPE feedspool_fetch_duration_seconds histogram\n"
        for outcome in s.fetchDurations.keys.sorted() {
            out += s.fetchDurations[outcome]!.lines("feedspool_fetch_duration_seconds", labels: "outcome=\"\(outcome)\"")
        }
        // Only hosts with requests now: a label per host ever seen would grow without bound.
        metric("feedspool_host_requests_in_flight", "gauge", "Feed requests in flight, by host (hosts with none are not listed).",
            hosts.inFlight.sorted { $0.key < $1.key }.map { ("{host=\"\(Self.labelValue($0.key))\"}", Int64($0.value)) })
        metric("feedspool_host_requests_queued", "gauge", "Feed requests the fetch engine holds for the overall or the host's limit, by host (hosts with none are not listed).",
            hosts.queued.sorted { $0.key < $1.key }.map { ("{host=\"\(Self.labelValue($0.key))\"}", Int64($0.value)) })
        metric("feedspool_host_limit_waits_total", "counter", "Feed requests that waited for their host's in-flight limit (per_host) or gap (per_host_gap).", [("", hosts.hostWaits)])
        metric("feedspool_pages_waiting", "gauge", "Items waiting for their page (full text).", [("", Int64(s.pages.waiting))])
        metric("feedspool_page_requests_total", "counter", "Page requests made for full text since start, by kind (page, robots).",
            [("{kind=\"page\"}", s.pages.counters.pageFetches), ("{kind=\"robots\"}", s.pages.counters.robotsFetches)])
        metric("feedspool_page_retries_total", "counter", "Page requests that failed for now and will be tried again (timeouts, 5xx, 429).", [("", s.pages.counters.retries)])
        metric("feedspool_page_budget_waits_total", "counter", "Items whose page was due but waited for its site's budget, Crawl-delay or Retry-After.", [("", s.pages.counters.budgetWaits)])
        metric("feedspool_articles_page_text_total", "counter", "Articles delivered with their page's text, by the evidence that decided the extraction.",
            s.pages.text.keys.sorted().map { ("{source=\"\($0)\"}", s.pages.text[$0]!) })
        metric("feedspool_articles_feed_text_fallbacks_total", "counter", "Articles that waited for their page and were delivered with the feed's text, by reason.",
            s.pages.fallbacks.keys.sorted().map { ("{reason=\"\($0)\"}", s.pages.fallbacks[$0]!) })
        out += "# HELP feedspool_freshness_seconds Publication to delivery, of delivered articles that give their publication time.\n# TYPE feedspool_freshness_seconds histogram\n"
        out += s.freshness.lines("feedspool_freshness_seconds")
        return out
    }

    static func stateBytes(_ dir: String) -> Int64 {
        var total: Int64 = 0
        for name in ["state.sqlite", "state.sqlite-wal"] {
            var st = stat()
            if stat(dir + "/" + name, &st) == 0 { total += Int64(st.st_size) }
        }
        return total
    }
}

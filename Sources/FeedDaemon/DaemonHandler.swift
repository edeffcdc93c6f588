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
            var json = JSONWriter()
            json.beginObject()
            json.string("text", Metrics.prometheus(board.snapshot, hosts: board.hosts.snapshot, now: now))
            json.endObject()
            reply(ControlProtocol.success(json.string))
        case "poll":
            let snapshot = board.snapshot
            let wanted = request.feeds ?? []
            let unknown = wanted.filter { snapshot.feeds[$0] == nil }
            guard unknown.isEmpty else {
                reply(ControlProtocol.failure("unknown-feed", "not configured: \(unknown.joined(separator: ", "))"))
                return
            }
            inbox.send(.poll(wanted))
            var json = JSONWriter()
            json.beginObject()
            json.beginArray("queued")
            for key in wanted.isEmpty ? snapshot.order : wanted { json.string(nil, key) }
            json.endArray()
            json.endObject()
            reply(ControlProtocol.success(json.string))
        case "reload":
            inbox.send(.reload(reply: { outcome in
                switch outcome {
                case .success(let message):
                    var json = JSONWriter()
                    json.beginObject()
                    json.string("message", message)
                    json.endObject()
                    reply(ControlProtocol.success(json.string))
                case .failure(let error):
                    reply(ControlProtocol.failure("invalid-config", error.description))
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
            let snapshot = board.snapshot
            let store = try IngestSite.openState(stateDir: snapshot.stateDir, stateURL: snapshot.stateURL, node: snapshot.cluster?.node ?? "", readOnly: true)
            let found: [Delivery]
            if article.count == 16, article.allSatisfy(\.isHexDigit) {
                found = try store.deliveries(articleID: article.lowercased())
            } else if let seq = Int64(article) {
                found = try store.delivery(seq: seq).map { [$0] } ?? []
            } else {
                return ControlProtocol.failure("bad-request", "\(article): give a sequence number or a 16-hex-digit id")
            }
            guard !found.isEmpty else { return ControlProtocol.failure("not-found", "\(article): no such article") }
            var json = JSONWriter()
            json.beginArray()
            for delivery in found {
                json.beginObject()
                Provenance.write(delivery, into: &json, spoolDir: snapshot.spoolDir)
                json.bool("delivered", delivery.delivered)
                json.endObject()
            }
            json.endArray()
            return ControlProtocol.success(json.string)
        } catch {
            return ControlProtocol.failure("state", "\(error)")
        }
    }

    static func status(_ snapshot: StatusBoard.Snapshot, now: Int64, totals: StatusBoard.Totals, subscribers: Int = 0) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.string("version", FeedspoolVersion.string)
        json.int("pid", Int64(getpid()))
        json.int("uptime_seconds", now - snapshot.started)
        json.string("config", snapshot.configPath)
        json.beginObject("feeds")
        json.int("total", Int64(totals.feeds))
        json.int("healthy", Int64(totals.healthy))
        json.int("failing", Int64(totals.failing))
        json.int("retired", Int64(totals.retired))
        json.endObject()
        json.int("in_flight", Int64(snapshot.inFlight))
        json.beginObject("articles")
        json.int("delivered_total", snapshot.deliveredTotal)
        json.int("last_hour", Int64(totals.deliveredLastHour))
        json.int("today", Int64(totals.deliveredToday))
        json.int("duplicates_skipped", snapshot.duplicatesTotal)
        json.instant("last_delivery", snapshot.lastDelivery)
        json.endObject()
        json.int("polls", snapshot.polls)
        json.int("subscribers", Int64(subscribers))
        writeFullText(snapshot.pages, into: &json)
        json.instant("next_poll", totals.nextPoll)
        json.beginObject("spool")
        json.string("path", snapshot.spoolDir)
        json.int("free_bytes", PosixFileSystem().freeBytes(snapshot.spoolDir))
        json.endObject()
        writeHistory(snapshot, into: &json)
        writeCluster(snapshot.cluster, into: &json)
        json.string("status_line", StatusBoard.statusLine(snapshot, now: now, totals: totals))
        json.endObject()
        return json.string
    }

    /// `full_text`: items waiting for their page, requests, and where articles' text came from.
    static func writeFullText(_ pages: StatusBoard.PageFigures, into json: inout JSONWriter) {
        json.beginObject("full_text")
        json.int("waiting", Int64(pages.waiting))
        json.int("in_flight", Int64(pages.inFlight))
        json.int("page_requests", pages.counters.pageFetches)
        json.int("robots_requests", pages.counters.robotsFetches)
        json.int("retries", pages.counters.retries)
        json.int("budget_waits", pages.counters.budgetWaits)
        json.beginObject("page_text")
        for (source, count) in pages.text.sorted(by: { $0.key < $1.key }) { json.int(source, count) }
        json.endObject()
        json.beginObject("feed_text")
        for (reason, count) in pages.fallbacks.sorted(by: { $0.key < $1.key }) { json.int(reason, count) }
        json.endObject()
        json.endObject()
    }

    /// `last_errors` (the ten latest, newest first) and `last_reload`.
    static func writeHistory(_ snapshot: StatusBoard.Snapshot, into json: inout JSONWriter) {
        json.beginArray("last_errors")
        for failure in snapshot.lastErrors.suffix(10).reversed() {
            json.beginObject()
            json.instant("time", failure.time)
            json.string("feed", failure.feed)
            json.string("stage", failure.stage)
            json.string("message", failure.message)
            json.endObject()
        }
        json.endArray()
        if let reload = snapshot.lastReload {
            json.beginObject("last_reload")
            json.instant("time", reload.time)
            json.bool("ok", reload.ok)
            json.string("message", reload.message)
            json.endObject()
        } else {
            json.raw("last_reload", "null")
        }
    }

    /// `cluster`: this node, whether the shared state is reachable, every node (alive,
    /// feeds leased and listed, pending intents, last heartbeat), the cluster's totals.
    /// Null on a single machine.
    static func writeCluster(_ cluster: StatusBoard.ClusterFigures?, into json: inout JSONWriter) {
        guard let cluster else {
            json.raw("cluster", "null")
            return
        }
        json.beginObject("cluster")
        json.string("node", cluster.node)
        json.string("state", cluster.unreachable == nil ? "reachable" : "unreachable")
        json.string("error", cluster.unreachable)
        json.beginArray("nodes")
        let hashes = Set(cluster.nodes.filter(\.alive).compactMap(\.feedsHash))
        for node in cluster.nodes {
            json.beginObject()
            json.string("name", node.name)
            json.bool("alive", node.alive)
            json.string("version", node.version)
            json.instant("last_heartbeat", node.heartbeat)
            json.int("feeds_leased", node.feedsLeased)
            json.int("feeds_listed", node.feedsListed)
            json.int("pending_intents", node.pendingIntents)
            json.endObject()
        }
        json.endArray()
        // Nodes alive whose configurations list different feeds (the rule: one file, every node).
        json.bool("feed_lists_agree", hashes.count <= 1)
        if let totals = cluster.totals {
            json.beginObject("totals")
            json.int("feeds", totals.feeds)
            json.int("delivered", totals.delivered)
            json.int("duplicates", totals.duplicates)
            json.int("waiting_pages", totals.waitingPages)
            json.endObject()
        }
        json.endObject()
    }

    static func feeds(_ snapshot: StatusBoard.Snapshot, now: Int64) -> String {
        var json = JSONWriter()
        json.beginArray()
        for key in snapshot.order {
            guard let feed = snapshot.feeds[key] else { continue }
            json.beginObject()
            json.string("key", feed.key)
            json.string("url", feed.url)
            json.string("name", feed.name)
            json.string("title", feed.title)
            json.string("health", feed.retired ? "retired" : feed.failureStreak > 0 ? "failing" : feed.lastSuccess == nil ? "new" : "ok")
            json.instant("last_fetch", feed.lastFetch)
            json.instant("last_success", feed.lastSuccess)
            json.int("http_status", feed.lastStatus.map(Int64.init))
            json.int("failure_streak", Int64(feed.failureStreak))
            json.string("last_error", feed.lastError)
            json.string("last_error_stage", feed.lastErrorStage)
            json.instant("next_due", feed.nextDue)
            json.string("due_reason", feed.dueReason)
            json.bool("etag", feed.etag != nil)
            json.bool("last_modified", feed.lastModified != nil)
            json.int("delivered", feed.delivered)
            json.int("duplicates", feed.duplicates)
            json.int("pages_tried", feed.pagesTried)
            json.int("pages_used", feed.pagesUsed)
            json.endObject()
        }
        json.endArray()
        return json.string
    }
}

extension JSONWriter {
    /// A Unix time as the control protocol writes instants: UTC, `YYYY-MM-DDTHH:MM:SSZ`
    /// (null when there is none).
    mutating func instant(_ key: String, _ seconds: Int64?) {
        string(key, seconds.map { FeedDate(secondsSinceEpoch: $0).utcString })
    }
}

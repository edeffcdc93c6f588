import FeedCore
import FeedFetch
import FeedSpool
import FeedIngest
import FeedStore
#if canImport(Glibc)
    import Glibc
#endif

/// The `metrics` text, in Prometheus' exposition format.
enum Metrics {
    /// A label value escaped as the exposition format wants (backslash, quote, newline).
    static func labelValue(_ value: String) -> String {
        var out = ""
        for ch in value {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    static func prometheus(_ snapshot: StatusBoard.Snapshot, hosts: HostLoad.Snapshot = .init(), now: Int64) -> String {
        let totals = StatusBoard.totals(snapshot, now: now)
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int64)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(v)\n" }
        }
        metric("feedspool_feeds", "gauge", "Configured feeds by health.", [
            ("{state=\"healthy\"}", Int64(totals.healthy)), ("{state=\"failing\"}", Int64(totals.failing)), ("{state=\"retired\"}", Int64(totals.retired)),
        ])
        metric("feedspool_articles_delivered_total", "counter", "Articles delivered into the spool since start.", [("", snapshot.deliveredTotal)])
        metric("feedspool_duplicates_skipped_total", "counter", "Items skipped as duplicates since start.", [("", snapshot.duplicatesTotal)])
        metric("feedspool_polls_total", "counter", "Feed polls completed since start.", [("", snapshot.polls)])
        metric("feedspool_polls_in_flight", "gauge", "Feed polls in progress.", [("", Int64(snapshot.inFlight))])
        metric("feedspool_spool_free_bytes", "gauge", "Free space on the spool's filesystem.", [("", PosixFileSystem().freeBytes(snapshot.spoolDir) ?? 0)])
        metric("feedspool_uptime_seconds", "gauge", "Seconds since the daemon started.", [("", now - snapshot.started)])
        metric("feedspool_state_write_failures_total", "counter", "State writes that failed since start (a poll's record, its schedule, pruning).", [("", snapshot.stateWriteFailures)])
        metric("feedspool_state_bytes", "gauge", "Bytes of the state database on disk, with its write-ahead log.", [("", Self.stateBytes(snapshot.stateDir))])
        if let pruned = snapshot.lastPrune { metric("feedspool_state_last_prune_timestamp_seconds", "gauge", "When the state was last pruned (Unix time).", [("", pruned)]) }
        metric("feedspool_http_responses_total", "counter", "Feed fetches by final HTTP status (0: no HTTP answer).",
            snapshot.httpStatuses.keys.sorted().map { ("{code=\"\($0)\"}", snapshot.httpStatuses[$0]!) })
        out += "# HELP feedspool_fetch_duration_seconds Feed fetch time, by outcome (ok, not-modified, failed, gone).\n# TYPE feedspool_fetch_duration_seconds histogram\n"
        for outcome in snapshot.fetchDurations.keys.sorted() {
            out += snapshot.fetchDurations[outcome]!.lines("feedspool_fetch_duration_seconds", labels: "outcome=\"\(outcome)\"")
        }
        // Only hosts with requests now: a label per host ever seen would grow without bound.
        metric("feedspool_host_requests_in_flight", "gauge", "Feed requests in flight, by host (hosts with none are not listed).",
            hosts.inFlight.sorted { $0.key < $1.key }.map { ("{host=\"\(Self.labelValue($0.key))\"}", Int64($0.value)) })
        metric("feedspool_host_requests_queued", "gauge", "Feed requests the fetch engine holds for the overall or the host's limit, by host (hosts with none are not listed).",
            hosts.queued.sorted { $0.key < $1.key }.map { ("{host=\"\(Self.labelValue($0.key))\"}", Int64($0.value)) })
        metric("feedspool_host_limit_waits_total", "counter", "Feed requests that waited for their host's in-flight limit (per_host) or gap (per_host_gap).", [("", hosts.hostWaits)])
        metric("feedspool_pages_waiting", "gauge", "Items waiting for their page (full text).", [("", Int64(snapshot.pages.waiting))])
        metric("feedspool_page_requests_total", "counter", "Page requests made for full text since start, by kind (page, robots).",
            [("{kind=\"page\"}", snapshot.pages.counters.pageFetches), ("{kind=\"robots\"}", snapshot.pages.counters.robotsFetches)])
        metric("feedspool_page_retries_total", "counter", "Page requests that failed for now and will be tried again (timeouts, 5xx, 429).", [("", snapshot.pages.counters.retries)])
        metric("feedspool_page_budget_waits_total", "counter", "Items whose page was due but waited for its site's budget, Crawl-delay or Retry-After.", [("", snapshot.pages.counters.budgetWaits)])
        metric("feedspool_articles_page_text_total", "counter", "Articles delivered with their page's text, by the evidence that decided the extraction.",
            snapshot.pages.text.keys.sorted().map { ("{source=\"\($0)\"}", snapshot.pages.text[$0]!) })
        metric("feedspool_articles_feed_text_fallbacks_total", "counter", "Articles that waited for their page and were delivered with the feed's text, by reason.",
            snapshot.pages.fallbacks.keys.sorted().map { ("{reason=\"\($0)\"}", snapshot.pages.fallbacks[$0]!) })
        out += "# HELP feedspool_freshness_seconds Publication to delivery, of delivered articles that give their publication time.\n# TYPE feedspool_freshness_seconds histogram\n"
        out += snapshot.freshness.lines("feedspool_freshness_seconds")
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

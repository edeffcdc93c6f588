import FeedConfig
import FeedCore
import FeedFetch
import FeedParser
import FeedSpool
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

/// `feedspoold --once`: every configured feed fetched once, ingested, summarised.
public enum OnceRun {
    /// Runs the cycle; `report` gets one summary line per feed. True when every feed succeeded.
    public static func run(_ site: IngestSite, report: (String) -> Void) async -> Bool {
        var (jobs, ok) = feedsToPoll(site, report: report)
        let engine: FetchEngine
        do {
            engine = try FetchEngine(configuration: site.fetchConfiguration())
        } catch {
            report("FAIL (FETCH) all feeds: \(error)")
            return false
        }
        defer { engine.shutdown() }
        let pages = PageScheduler(policy: site.pageSchedulerPolicy())
        do {
            for ticket in try site.waitingPages() { pages.add(ticket) }
        } catch {
            report("FAIL (STATE) cannot read the items waiting for their page: \(error)")
            ok = false
        }
        if !(await poll(jobs, site, engine: engine, pages: pages, report: report)) { ok = false }
        var configs: [Int64: FeedConfig] = [:]
        for (record, feed) in jobs { configs[record.id] = feed }
        if pages.count > 0, !(await fetchPages(site, pages, engine: engine, feeds: configs, report: report)) { ok = false }
        return ok
    }

    /// Each configured feed's record in the state (made for a new feed); a retired feed, or
    /// one the state cannot record, is reported and left out. False when any was.
    private static func feedsToPoll(_ site: IngestSite, report: (String) -> Void) -> (jobs: [(FeedRecord, FeedConfig)], ok: Bool) {
        let now = Int64(time(nil))
        var jobs: [(FeedRecord, FeedConfig)] = []
        var ok = true
        for feed in site.config.feeds {
            do {
                let record = try site.store.ensureFeed(key: feed.url, name: feed.name, now: now)
                if record.retired {
                    report("FAIL (FETCH) \(feed.url): retired after 410 Gone; remove it from the configuration")
                    ok = false
                    continue
                }
                jobs.append((record, feed))
            } catch {
                report("FAIL (SPOOL) \(feed.url): \(error)")
                ok = false
            }
        }
        return (jobs, ok)
    }

    /// Fetches the feeds (a sliding window of `concurrency` + 4 at once) and ingests each
    /// as it comes; its items that wait for their page go to `pages`. False when a feed
    /// failed.
    private static func poll(
        _ jobs: [(FeedRecord, FeedConfig)], _ site: IngestSite, engine: FetchEngine, pages: PageScheduler, report: (String) -> Void
    ) async -> Bool {
        var ok = true
        let window = site.config.concurrency + 4
        await withTaskGroup(of: (Int, FetchedFeed).self) { group in
            var next = 0
            func add() {
                let index = next
                let record = jobs[index].0
                group.addTask { (index, await FetchedFeed.fetch(record, engine: engine)) }
                next += 1
            }
            while next < min(window, jobs.count) { add() }
            while let (index, fetched) = await group.next() {
                let (record, feed) = jobs[index]
                var outcome = site.apply(
                    fetched, feed: record, settings: site.settings(for: feed), interval: site.config.interval(for: feed), now: Int64(time(nil))
                ).outcome
                let failedWrites = site.takeFailedWrites()
                if !failedWrites.isEmpty, !outcome.isFailure {
                    // Delivered, but the state could not record the poll: not a success.
                    outcome = .failed(stage: "STATE", message: failedWrites.joined(separator: "; "))
                }
                report(summary(feed.url, outcome, fetched.result))
                if outcome.isFailure { ok = false }
                if case .ok(let result) = outcome { for ticket in result.awaitingPage { pages.add(ticket) } }
                if next < jobs.count { add() }
            }
        }
        return ok
    }

    /// The longest a run waits for a site's turn before it leaves the rest for the next
    /// run (a retry's back-off, a robots.txt that did not answer, a long Crawl-delay):
    /// the items stay waiting in the state, their deadlines unchanged.
    static let longestWait: Int64 = 20

    /// Requests the waiting items' pages as their sites allow and delivers each item whose
    /// wait ends. False when a delivery failed.
    static func fetchPages(_ site: IngestSite, _ pages: PageScheduler, engine: FetchEngine, feeds: [Int64: FeedConfig], report: (String) -> Void) async -> Bool {
        var ok = true
        var withPage = 0, withFeed = 0
        await withTaskGroup(of: PageJobResult.self) { group in
            var running = 0
            while true {
                let now = Int64(time(nil))
                let (jobs, resolved) = pages.next(now: now) { feeds[$0].map { PageScheduler.FeedPolicy(ignoreRobots: $0.ignoreRobots) } }
                var done = resolved
                for job in jobs {
                    guard let work = site.work(for: job, scheduler: pages, engine: engine) else { continue }
                    running += 1
                    group.addTask { await work() }
                }
                if running == 0 && done.isEmpty {
                    guard let wake = pages.nextWake, wake - now <= longestWait else { break }
                    try? await Task.sleep(for: .seconds(max(1, wake - now)))
                    continue
                }
                if running > 0, let result = await group.next() {
                    running -= 1
                    switch result {
                    case .robots(let origin, let answer): pages.robotsDone(origin: origin, answer, now: Int64(time(nil)))
                    case .page(let ticket, let outcome):
                        let (resolution, retry) = pages.pageDone(ticket, outcome.attempt, now: Int64(time(nil)))
                        if let retry { site.recordRetry(retry) }
                        if let resolution { done.append(resolution) }
                    }
                }
                for resolved in done {
                    do {
                        guard try site.deliver(resolved, feed: feeds[resolved.ticket.feedID]) != nil else { continue }
                        if case .page = resolved.verdict { withPage += 1 } else { withFeed += 1 }
                    } catch {
                        report("FAIL (SPOOL) \(resolved.ticket.link): \(error)")
                        ok = false
                    }
                }
            }
        }
        for message in site.takeFailedWrites() {
            report("FAIL (STATE) \(message)")
            ok = false
        }
        var line = "PAGES: \(withPage) with the page's text, \(withFeed) with the feed's"
        if pages.count > 0 { line += ", \(pages.count) still waiting (tried again on the next run, until their full_text_timeout)" }
        report(line)
        return ok
    }

    static func summary(_ url: String, _ outcome: PollOutcome, _ result: FetchResult) -> String {
        var moved = ""
        if let to = result.http?.permanentRedirect { moved = "; moved permanently to \(to)" }
        switch outcome {
        case .ok(let rep):
            var parts = ["\(rep.delivered.count) new"]
            if rep.updates > 0 { parts.append("\(rep.updates) updated") }
            if !rep.duplicates.isEmpty { parts.append("\(rep.duplicates.count) duplicate\(rep.duplicates.count == 1 ? "" : "s")") }
            if rep.alreadySeen > 0 { parts.append("\(rep.alreadySeen) seen before") }
            if rep.tooOld > 0 { parts.append("\(rep.tooOld) older than max_age") }
            if rep.overMaxItems > 0 { parts.append("\(rep.overMaxItems) over max_items") }
            if !rep.awaitingPage.isEmpty { parts.append("\(rep.awaitingPage.count) waiting for their page") }
            return "OK \(url): " + parts.joined(separator: ", ") + moved
        case .unchanged:
            return "304 \(url)" + moved
        case .failed(let stage, let message):
            return "FAIL (\(stage)) \(url): \(message)" + moved
        }
    }
}

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
        let config = site.config
        let now = Int64(time(nil))
        var jobs: [(FeedRecord, FeedConfig)] = []
        var ok = true
        for f in config.feeds {
            do {
                let rec = try site.store.ensureFeed(key: f.url, name: f.name, now: now)
                if rec.retired {
                    report("FAIL (FETCH) \(f.url): retired after 410 Gone; remove it from the configuration")
                    ok = false
                    continue
                }
                jobs.append((rec, f))
            } catch {
                report("FAIL (SPOOL) \(f.url): \(error)")
                ok = false
            }
        }
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
            for t in try site.waitingPages() { pages.add(t) }
        } catch {
            report("FAIL (STATE) cannot read the items waiting for their page: \(error)")
            ok = false
        }
        let window = config.concurrency + 4
        await withTaskGroup(of: (Int, FetchedFeed).self) { group in
            var next = 0
            func add() {
                let i = next
                let feed = jobs[i].0
                group.addTask { (i, await FetchedFeed.fetch(feed, engine: engine)) }
                next += 1
            }
            while next < min(window, jobs.count) { add() }
            while let (i, fetched) = await group.next() {
                let (rec, f) = jobs[i]
                var outcome = site.apply(fetched, feed: rec, settings: site.settings(for: f), interval: config.interval(for: f), now: Int64(time(nil))).outcome
                let failedWrites = site.takeFailedWrites()
                if !failedWrites.isEmpty, !outcome.isFailure {
                    // Delivered, but the state could not record the poll: not a success.
                    outcome = .failed(stage: "STATE", message: failedWrites.joined(separator: "; "))
                }
                report(summary(f.url, outcome, fetched.result))
                if outcome.isFailure { ok = false }
                if case .ok(let r) = outcome { for t in r.awaitingPage { pages.add(t) } }
                if next < jobs.count { add() }
            }
        }
        var configs: [Int64: FeedConfig] = [:]
        for (rec, f) in jobs { configs[rec.id] = f }
        if pages.count > 0, !(await fetchPages(site, pages, engine: engine, feeds: configs, report: report)) { ok = false }
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
                    case .page(let t, let r):
                        let (resolution, retry) = pages.pageDone(t, r.attempt, now: Int64(time(nil)))
                        if let retry { site.recordRetry(retry) }
                        if let resolution { done.append(resolution) }
                    }
                }
                for r in done {
                    do {
                        guard try site.deliver(r, feed: feeds[r.ticket.feedID]) != nil else { continue }
                        if case .page = r.verdict { withPage += 1 } else { withFeed += 1 }
                    } catch {
                        report("FAIL (SPOOL) \(r.ticket.link): \(error)")
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

    static func summary(_ url: String, _ o: PollOutcome, _ r: FetchResult) -> String {
        var moved = ""
        if let to = r.http?.permanentRedirect { moved = "; moved permanently to \(to)" }
        switch o {
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

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
                var outcome = site.apply(fetched, feed: rec, settings: site.settings(for: f), interval: config.interval(for: f), now: Int64(time(nil)))
                let failedWrites = site.takeFailedWrites()
                if !failedWrites.isEmpty, !outcome.isFailure {
                    // Delivered, but the state could not record the poll: not a success.
                    outcome = .failed(stage: "STATE", message: failedWrites.joined(separator: "; "))
                }
                report(summary(f.url, outcome, fetched.result))
                if outcome.isFailure { ok = false }
                if next < jobs.count { add() }
            }
        }
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
            return "OK \(url): " + parts.joined(separator: ", ") + moved
        case .unchanged:
            return "304 \(url)" + moved
        case .failed(let stage, let message):
            return "FAIL (\(stage)) \(url): \(message)" + moved
        }
    }
}

import FeedConfig
import FeedCore
import FeedFetch
import FeedParser
import FeedSpool
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

/// How one feed's poll ended, as the one-shot run reports it.
public enum PollOutcome: Sendable {
    case ok(IngestReport)
    case unchanged
    case failed(stage: String, message: String)

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }
}

/// The state and spool of one configuration, opened for ingest.
public final class IngestSite {
    public private(set) var config: Config
    public let ingestor: Ingestor

    /// Opens (creating when missing) the state and the spool, and completes what a crash
    /// interrupted.
    public init(config: Config, fileSystem: any SpoolFileSystem = PosixFileSystem(), clock: @escaping @Sendable () -> Int64 = { Int64(time(nil)) }) throws(SiteError) {
        self.config = config
        let store: StateStore
        let spool: SpoolDirectory
        do {
            try fileSystem.makeDirectory(config.stateDir)
            store = try StateStore(directory: config.stateDir)
        } catch let e as SpoolError {
            throw SiteError(message: "cannot create the state directory: \(e)")
        } catch let e as StoreError {
            throw SiteError(message: "\(e)")
        } catch {
            throw SiteError(message: "\(error)")
        }
        do {
            spool = try SpoolDirectory(root: config.spoolDir, fileSystem: fileSystem)
        } catch {
            throw SiteError(message: "cannot use the spool directory: \(error)")
        }
        ingestor = Ingestor(deliverer: Deliverer(store: store, spool: spool), clock: clock)
        // A half-recovered state is no state to run on: the articles of the intents left
        // pending would wait unseen while new ones are delivered around them. Stop, say why;
        // the state and the staged files are left as they were for the next start.
        do {
            try ingestor.deliverer.recover()
        } catch {
            throw SiteError(message: "crash recovery failed: \(error); nothing was changed or lost: fix the cause and start again")
        }
        do {
            try prune(now: clock())
        } catch {
            throw SiteError(message: "cannot prune the state in \(config.stateDir): \(error)")
        }
    }

    /// Forgets what the state keeps no longer than the configuration says: identities and
    /// fingerprints not seen within `grace`, SimHashes past `near_window`, the provenance of
    /// articles delivered before `grace`. Run at start and then periodically by the daemon,
    /// so that months of uptime keep the state the size of its windows.
    @discardableResult
    public func prune(now: Int64) throws(StoreError) -> StateStore.Pruned {
        let pruned = try store.prune(before: now - config.grace, nearBefore: now - config.nearWindow)
        try store.checkpoint()
        return pruned
    }

    public var store: StateStore { ingestor.store }

    /// State writes that failed outside a delivery (a poll's record, its schedule), each
    /// naming what and where, since they were last taken. A delivery's own failures fail
    /// its poll; these leave the articles delivered but the state behind, and must be seen.
    private var failedWrites: [String] = []

    /// The failed state writes noted since the last call.
    public func takeFailedWrites() -> [String] {
        defer { failedWrites.removeAll() }
        return failedWrites
    }

    private func noteFailedWrite(_ what: String, _ error: any Error) {
        failedWrites.append("\(what) in \(store.path): \(error)")
    }

    /// Takes new settings that keep the same spool and state directories.
    public func reconfigure(_ c: Config) {
        precondition(c.spoolDir == config.spoolDir && c.stateDir == config.stateDir, "reopen the site for new directories")
        config = c
    }

    public func settings(for f: FeedConfig) -> IngestSettings {
        IngestSettings(dedup: config.dedup(for: f), onUpdate: config.onUpdate(for: f), maxAge: config.maxAge(for: f), maxItems: config.maxItems(for: f))
    }

    public func fetchConfiguration() -> FetchConfiguration {
        var c = FetchConfiguration()
        c.maxConcurrent = config.concurrency
        c.maxPerHost = config.perHost
        c.perHostGapMilliseconds = config.perHostGapMilliseconds
        c.maxBodyBytes = config.maxBodyBytes
        c.totalTimeoutMilliseconds = config.timeoutSeconds * 1000
        c.connectTimeoutMilliseconds = config.connectTimeoutSeconds * 1000
        c.allowPrivateNetworks = config.allowPrivateNetworks
        c.allowFileURLs = config.allowFileURLs
        if let ua = config.userAgent { c.userAgent = ua }
        return c
    }

    /// Applies one fetch result to the state and the spool (serially: the caller's task),
    /// and records when the feed is due next and why.
    public func apply(_ fetched: FetchedFeed, feed: FeedRecord, settings: IngestSettings, interval: Int64, now: Int64) -> PollOutcome {
        let outcome = ingest(fetched, feed: feed, settings: settings, now: now)
        let schedule = PollSchedule(interval: interval)
        var rng = SystemRandomNumberGenerator()
        let end: PollEnd
        switch outcome {
        case .failed where fetched.result.outcome.isGone:
            end = .gone
        case .failed:
            let h = fetched.result.http?.headers
            let retry = fetched.result.error?.retryAfter?.delay(now: now, serverDate: h?.date)
            end = .failure(streak: feed.failureStreak + 1, retryAfter: retry)
        case .ok, .unchanged:
            var hints = fetched.parsed.map { PublisherHints(info: $0.info) } ?? PublisherHints()
            if let h = fetched.result.http?.headers {
                if let cc = h.cacheControl, let m = cc.maxAge, !cc.noCache, !cc.noStore { hints.maxAge = Int64(m) - Int64(h.age ?? 0) }
                if case .at(let t)? = h.expires { hints.expiresIn = t - (h.date ?? now) }
            }
            end = .success(hints)
        }
        let next = schedule.next(after: end, now: now, using: &rng)
        do {
            try store.setSchedule(feedID: feed.id, nextDue: next.at, reason: next.reason)
        } catch {
            noteFailedWrite("cannot record when \(feed.key) is due next", error)
        }
        return outcome
    }

    private func ingest(_ fetched: FetchedFeed, feed: FeedRecord, settings: IngestSettings, now: Int64) -> PollOutcome {
        let r = fetched.result
        let newURL = r.http?.permanentRedirect
        func record(status: Int?, error: (String, String)?, retired: Bool? = nil) {
            do {
                try store.recordFetch(feedID: feed.id, now: now, status: status, error: error.map { (stage: $0.0, message: $0.1) }, newURL: newURL, retired: retired)
            } catch let failure {
                noteFailedWrite("cannot record the poll of \(feed.key)", failure)
            }
        }
        switch r.outcome {
        case .failed(let e):
            // The stage recorded is the fetch's own (too-large, timeout, redirect, …).
            record(status: r.http?.status, error: (e.stage.rawValue, e.detail))
            return .failed(stage: "FETCH", message: e.description)
        case .gone:
            record(status: 410, error: ("http", "410 Gone: the publisher removed the feed"), retired: true)
            return .failed(stage: "FETCH", message: "410 Gone: the publisher removed the feed; it is retired")
        case .notModified:
            record(status: r.http?.status, error: nil)
            return .unchanged
        case .fetched:
            guard let parsed = fetched.parsed else {
                let m = fetched.parseError ?? "no document"
                record(status: r.http?.status, error: ("parse", m))
                return .failed(stage: "PARSE", message: m)
            }
            do {
                let report = try ingestor.ingest(parsed, feed: feed, settings: settings, etag: r.http?.headers.etag, lastModified: r.http?.headers.lastModified)
                record(status: r.http?.status, error: nil)
                return .ok(report)
            } catch {
                record(status: r.http?.status, error: ("spool", error.description))
                return .failed(stage: "SPOOL", message: error.description)
            }
        }
    }
}

extension FetchOutcome {
    var isGone: Bool {
        if case .gone = self { return true }
        return false
    }
}

public struct SiteError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A fetch result with its parse, done off the ingest task.
public struct FetchedFeed: Sendable {
    public var result: FetchResult
    public var parsed: ParsedFeed?
    public var parseError: String?

    /// Fetches with the feed's stored validators and current URL, then parses.
    /// `beforeParse` runs between the two when there is a body (the daemon waits there for
    /// a parse permit, so that few parsed feeds — far larger than their bodies — wait for
    /// ingest at once).
    public static func fetch(_ feed: FeedRecord, engine: FetchEngine, beforeParse: @Sendable () async -> Void = {}) async -> FetchedFeed {
        await fetch(FetchRequest(url: feed.url, validators: Validators(etag: feed.etag, lastModified: feed.lastModified)), engine: engine, beforeParse: beforeParse)
    }

    /// Fetches a request and, unless `parse` is false, parses a new body against the URL
    /// it finally came from. The body itself is not kept.
    public static func fetch(_ request: FetchRequest, engine: FetchEngine, parse: Bool = true, beforeParse: @Sendable () async -> Void = {}) async -> FetchedFeed {
        var result = await engine.fetch(request)
        var out = FetchedFeed(result: result, parsed: nil, parseError: nil)
        if case .fetched(let body) = result.outcome {
            if parse {
                await beforeParse()
                let options = FeedParserOptions(baseURL: result.http?.effectiveURL ?? request.url, contentType: result.http?.headers.contentType)
                do {
                    out.parsed = try FeedParser.parse(body, options: options)
                } catch {
                    out.parseError = "\(error)"
                }
            }
            result.outcome = .fetched([])
            out.result = result
        }
        return out
    }
}

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

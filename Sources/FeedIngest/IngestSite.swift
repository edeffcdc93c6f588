import FeedConfig
import FeedCore
import FeedFetch
import FeedParser
import FeedSpool
import FeedStore
import FeedStorePostgres

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
        let store: any StateBackend
        let spool: SpoolDirectory
        do {
            if config.stateURL == nil { try fileSystem.makeDirectory(config.stateDir) }
            store = try Self.openState(stateDir: config.stateDir, stateURL: config.stateURL, node: config.node)
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

    /// The state a configuration names: the cluster's PostgreSQL when `state_url` is set,
    /// SQLite in `state_dir` otherwise (read-only: for `show`, never created).
    public static func openState(stateDir: String, stateURL: String?, node: String, readOnly: Bool = false) throws(StoreError) -> any StateBackend {
        if let stateURL { return try PostgresState(connectionString: stateURL, node: node) }
        return try StateStore(directory: stateDir, readOnly: readOnly)
    }

    /// Forgets what the state keeps no longer than the configuration says: identities and
    /// fingerprints not seen within `grace`, SimHashes past `near_window`, the provenance of
    /// articles delivered before `grace`. Run at start and then periodically by the daemon,
    /// so that months of uptime keep the state the size of its windows.
    @discardableResult
    public func prune(now: Int64) throws(StoreError) -> StatePruned {
        let pruned = try store.prune(before: now - config.grace, nearBefore: now - config.nearWindow)
        _ = try store.checkpoint()
        return pruned
    }

    public var store: any StateBackend { ingestor.store }

    /// State writes that failed outside a delivery (a poll's record, its schedule), each
    /// naming what and where, since they were last taken. A delivery's own failures fail
    /// its poll; these leave the articles delivered but the state behind, and must be seen.
    private var failedWrites: [String] = []

    /// The failed state writes noted since the last call.
    public func takeFailedWrites() -> [String] {
        defer { failedWrites.removeAll() }
        return failedWrites
    }

    func noteFailedWrite(_ what: String, _ error: any Error) {
        failedWrites.append("\(what): \(error)")  // the error names the database file
    }

    /// Takes new settings that keep the same spool and state directories.
    public func reconfigure(_ c: Config) {
        precondition(c.spoolDir == config.spoolDir && c.stateDir == config.stateDir, "reopen the site for new directories")
        config = c
    }

    public func settings(for f: FeedConfig) -> IngestSettings {
        IngestSettings(
            dedup: config.dedup(for: f), onUpdate: config.onUpdate(for: f), maxAge: config.maxAge(for: f), maxItems: config.maxItems(for: f),
            fullText: config.fullText(for: f), fullTextTimeout: config.fullTextTimeout(for: f), fileLinks: config.allowFileURLs)
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
    /// and records how the poll went and when the feed is due next and why. `record` is the
    /// feed as the state now has it, nil when the state could not record the poll (noted in
    /// `takeFailedWrites`).
    public func apply(_ fetched: FetchedFeed, feed: FeedRecord, settings: IngestSettings, interval: Int64, now: Int64) -> (outcome: PollOutcome, record: FeedRecord?) {
        var (outcome, ending) = ingest(fetched, feed: feed, settings: settings, now: now)
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
        ending.nextDue = next.at
        ending.dueReason = next.reason
        do {
            return (outcome, try store.finishPoll(feedID: feed.id, ending))
        } catch {
            noteFailedWrite("cannot record the poll of \(feed.key) and when it is due next", error)
            return (outcome, nil)
        }
    }

    /// Ingests what a fetch brought, and says how the fetch went for the feed's record.
    private func ingest(_ fetched: FetchedFeed, feed: FeedRecord, settings: IngestSettings, now: Int64) -> (PollOutcome, PollRecord) {
        let r = fetched.result
        let status = r.http?.status
        let moved = r.http?.permanentRedirect
        func record(_ error: (stage: String, message: String)?, retired: Bool? = nil) -> PollRecord {
            PollRecord(now: now, status: status, error: error, newURL: moved, retired: retired)
        }
        switch r.outcome {
        case .failed(let e):
            // The stage recorded is the fetch's own (too-large, timeout, redirect, …).
            return (.failed(stage: "FETCH", message: e.description), record((e.stage.rawValue, e.detail)))
        case .gone:
            let message = "410 Gone: the publisher removed the feed"
            return (.failed(stage: "FETCH", message: message + "; it is retired"), PollRecord(now: now, status: 410, error: ("http", message), newURL: moved, retired: true))
        case .notModified:
            return (.unchanged, record(nil))
        case .fetched:
            guard let parsed = fetched.parsed else {
                let m = fetched.parseError ?? "no document"
                return (.failed(stage: "PARSE", message: m), record(("parse", m)))
            }
            do {
                let report = try ingestor.ingest(parsed, feed: feed, settings: settings, etag: r.http?.headers.etag, lastModified: r.http?.headers.lastModified)
                return (.ok(report), record(nil))
            } catch {
                return (.failed(stage: "SPOOL", message: error.description), record(("spool", error.description)))
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

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
        } catch let failure as SpoolError {
            throw SiteError(message: "cannot create the state directory: \(failure)")
        } catch let failure as StoreError {
            throw SiteError(message: "\(failure)")
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
    public func reconfigure(_ fresh: Config) {
        precondition(fresh.spoolDir == config.spoolDir && fresh.stateDir == config.stateDir, "reopen the site for new directories")
        config = fresh
    }

    public func settings(for feed: FeedConfig) -> IngestSettings {
        IngestSettings(
            dedup: config.dedup(for: feed), onUpdate: config.onUpdate(for: feed), maxAge: config.maxAge(for: feed), maxItems: config.maxItems(for: feed),
            fullText: config.fullText(for: feed), fullTextTimeout: config.fullTextTimeout(for: feed), fileLinks: config.allowFileURLs)
    }

    public func fetchConfiguration() -> FetchConfiguration {
        var fetch = FetchConfiguration()
        fetch.maxConcurrent = config.concurrency
        fetch.maxPerHost = config.perHost
        fetch.perHostGapMilliseconds = config.perHostGapMilliseconds
        fetch.maxBodyBytes = config.maxBodyBytes
        fetch.totalTimeoutMilliseconds = config.timeoutSeconds * 1000
        fetch.connectTimeoutMilliseconds = config.connectTimeoutSeconds * 1000
        fetch.allowPrivateNetworks = config.allowPrivateNetworks
        fetch.allowFileURLs = config.allowFileURLs
        if let ua = config.userAgent { fetch.userAgent = ua }
        return fetch
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
            let headers = fetched.result.http?.headers
            let retry = fetched.result.error?.retryAfter?.delay(now: now, serverDate: headers?.date)
            end = .failure(streak: feed.failureStreak + 1, retryAfter: retry)
        case .ok, .unchanged:
            var hints = fetched.parsed.map { PublisherHints(info: $0.info) } ?? PublisherHints()
            if let headers = fetched.result.http?.headers {
                if let cc = headers.cacheControl, let maxAge = cc.maxAge, !cc.noCache, !cc.noStore { hints.maxAge = Int64(maxAge) - Int64(headers.age ?? 0) }
                if case .at(let time)? = headers.expires { hints.expiresIn = time - (headers.date ?? now) }
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
        let result = fetched.result
        let status = result.http?.status
        let moved = result.http?.permanentRedirect
        func record(_ error: (stage: String, message: String)?, retired: Bool? = nil) -> PollRecord {
            PollRecord(now: now, status: status, error: error, newURL: moved, retired: retired)
        }
        switch result.outcome {
        case .failed(let failure):
            // The stage recorded is the fetch's own (too-large, timeout, redirect, …).
            return (.failed(stage: "FETCH", message: failure.description), record((failure.stage.rawValue, failure.detail)))
        case .gone:
            let message = "410 Gone: the publisher removed the feed"
            return (.failed(stage: "FETCH", message: message + "; it is retired"), PollRecord(now: now, status: 410, error: ("http", message), newURL: moved, retired: true))
        case .notModified:
            return (.unchanged, record(nil))
        case .fetched:
            guard let parsed = fetched.parsed else {
                let why = fetched.parseError ?? "no document"
                return (.failed(stage: "PARSE", message: why), record(("parse", why)))
            }
            do {
                let report = try ingestor.ingest(parsed, feed: feed, settings: settings, etag: result.http?.headers.etag, lastModified: result.http?.headers.lastModified)
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

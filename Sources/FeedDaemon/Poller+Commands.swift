import CSystemShims
import FeedConfig
import FeedCore
import FeedFetch
import FeedIngest
import FeedStore
import FeedStorePostgres
import Logging
import ServiceLifecycle
#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's commands as the poll loop carries them out: polls requested,
/// reloads of the configuration.
extension Poller {
    /// A command from the control socket, taken by the loop between two completions.
    func handle(_ command: PollerInbox.Command, now: Int64) {
        switch command {
        case .poll(let urls) where cluster != nil:
            requestClusterPoll(urls, now: now)
        case .poll(let urls):
            for key in urls.isEmpty ? Array(feeds.keys) : urls {
                makeDue(key, now: now, reason: "poll requested", revivedBy: "a poll request")
            }
            publishBoard()
        case .reload(let reply):
            let outcome = reload(now: now)
            reply?(outcome)
            if case .success = outcome { afterReload(config) }
        }
    }

    /// Makes a feed due now; a retired one is revived (only the retirement goes: its last
    /// error stays until the next poll answers).
    func makeDue(_ key: String, now: Int64, reason: String, revivedBy: String) {
        if cluster != nil {
            requestClusterPoll([key], now: now)
            return
        }
        guard var entry = feeds[key] else { return }
        if entry.record.retired {
            do {
                try site.store.setRetired(feedID: entry.record.id, false)
            } catch {
                stateWriteFailed("cannot record that \(key) is no longer retired", error, now: now, feed: key)
            }
            entry.record.retired = false
            logger.notice("feed revived by \(revivedBy)", metadata: ["feed": "\(key)"])
        }
        entry.record.nextDue = now
        entry.record.dueReason = reason
        feeds[key] = entry
    }

    /// Applies a new configuration, or keeps the running one and says why.
    func reload(now: Int64) -> Result<String, ConfigError> {
        let fresh: Config
        do {
            fresh = try Config.load(path: configPath)
        } catch {
            logger.error("reload failed; the running configuration stays: \(error)")
            board.update { $0.lastReload = (now, false, error.description) }
            return .failure(error)
        }
        let before = Set(feeds.keys)
        let after = Set(fresh.feeds.map(\.url))
        let previous = config.feeds
        do {
            try apply(fresh, now: now)
        } catch {
            let failure = ConfigError(file: configPath, line: 0, message: "the new configuration cannot be applied: \(error)", fix: nil)
            logger.error("\(failure)")
            board.update { $0.lastReload = (now, false, failure.description) }
            return .failure(failure)
        }
        let revived = reviveRetired(fresh, previous: previous, now: now)
        let added = after.subtracting(before).count, removed = before.subtracting(after).count
        let message = "configuration reloaded: \(after.count) feeds (\(added) added, \(removed) removed\(revived > 0 ? ", \(revived) retired revived" : ""))"
        logger.notice("\(message)")
        board.update { $0.lastReload = (now, true, message) }
        return .success(message)
    }

    /// Makes `fresh` the running configuration: the state and spool opened anew when a
    /// setting of theirs changed (the waiting pages then come from the new state), the
    /// cluster membership, the engine and the feeds.
    private func apply(_ fresh: Config, now: Int64) throws {
        let reopened = fresh.spoolDir != config.spoolDir || fresh.stateDir != config.stateDir || fresh.stateURL != config.stateURL
            || fresh.node != config.node || fresh.lease != config.lease
        if reopened {
            site = try IngestSite(config: fresh, clock: clock)
        } else {
            site.reconfigure(fresh)
        }
        cluster = Self.clusterNode(fresh)
        joinCluster()
        config = fresh
        engine.shutdown()
        engine = try FetchEngine(configuration: site.fetchConfiguration(), hostLoad: board.hosts)
        try loadFeeds()
        try announce(now: now)
        pages.policy = site.pageSchedulerPolicy()
        if reopened {
            pages.removeAll()
            try loadWaitingPages()
        }
    }

    /// A retired feed that the operator lists anew or whose settings changed is asked
    /// again: a changed configuration is a request to try it (as `feedspool poll` is).
    /// Returns how many were.
    private func reviveRetired(_ fresh: Config, previous: [FeedConfig], now: Int64) -> Int {
        var before: [String: FeedConfig] = [:]
        for feed in previous { before[feed.url] = feed }
        var revived = 0
        for feed in fresh.feeds where feeds[feed.url]?.record.retired == true {
            guard var old = before[feed.url] else {
                makeDue(feed.url, now: now, reason: "added to the configuration", revivedBy: "the configuration")
                revived += 1
                continue
            }
            old.line = feed.line
            if old != feed {
                makeDue(feed.url, now: now, reason: "configuration changed", revivedBy: "a configuration change")
                revived += 1
            }
        }
        if revived > 0 { publishBoard() }
        return revived
    }
}

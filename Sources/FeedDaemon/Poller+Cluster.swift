import FeedConfig
import FeedCore
import FeedFetch
import FeedIngest
import FeedStore
import FeedStorePostgres
import Logging

/// The poller as one node of a cluster (`state_url`): it polls the feeds it claims, not the
/// ones its own schedule makes due. A claim is a lease (`lease`), renewed while the poll
/// runs and released when it is applied; the poll's commit is refused if the lease passed
/// to another node meanwhile (`PostgresState`'s fence). The heartbeat says this node is
/// alive, which feeds it lists, and takes over the items a dead node left waiting for their
/// page. When PostgreSQL cannot be reached nothing is claimed: `status` and systemd say
/// `state unreachable`, and the node tries again with back-off.
extension Poller {
    /// A cluster node when the configuration names a shared state.
    static func clusterNode(_ config: Config) -> ClusterNode? {
        config.stateURL.map {
            ClusterNode(connectionString: $0, node: config.node, lease: config.lease, perHost: config.perHost, version: FeedspoolVersion.string)
        }
    }

    /// In a cluster the state records only polls of feeds this node holds the lease of,
    /// and sites' page budgets and Retry-After are the cluster's.
    func joinCluster() {
        (site.store as? PostgresState)?.requireLease = cluster != nil
        pages.shared = cluster.map { ClusterSiteBudget(cluster: $0, logger: logger) }
    }

    /// Seconds between two looks for due feeds when the last found fewer than there was
    /// room for (a claim is one indexed query; once a second is nothing for PostgreSQL).
    static let claimEvery: Int64 = 1

    /// The configuration's feeds, as the cluster records them: this node lists them, and the
    /// hash tells whether every node lists the same.
    var listing: (feeds: [FeedLeases.Listed], hash: String) {
        let feeds = config.feeds.map { (key: $0.url, name: $0.name, host: hostKey(of: $0.url) ?? "") }
        let hash = ContentHash.fnv(feeds.map(\.key).sorted().joined(separator: "\n").utf8)
        return (feeds, String(hash, radix: 16))
    }

    /// Records this node and its feeds in the cluster (at start and after a reload). A
    /// failure at start stops the start (the message says why); after a reload it is
    /// reported and the heartbeat tries again.
    func announce(now: Int64) throws {
        guard let cluster else {
            board.update { $0.cluster = nil }
            return
        }
        let (feeds, hash) = listing
        try cluster.announce(feeds: feeds, feedsHash: hash, spoolDir: config.spoolDir)
        board.update { $0.cluster = StatusBoard.ClusterFigures(node: cluster.node) }
    }

    /// Heartbeat, nodes' view, adoption of orphaned waiting items, lease renewal.
    func tendCluster(_ loop: inout LoopState, now: Int64) {
        guard let cluster else { return }
        if loop.clusterBackoff == 0 { relayOtherNodes(cluster, &loop, now: now) }
        if now >= loop.nextHeartbeat {
            loop.nextHeartbeat = now + max(1, cluster.lease / 4)
            do {
                try cluster.heartbeat(feedsHash: listing.hash, spoolDir: config.spoolDir)
                for ticket in try cluster.adoptOrphanedPages() {
                    logger.notice("took over an item waiting for its page from a node that is gone", metadata: ["page": "\(ticket.link)"])
                    pages.add(ticket)
                }
                let (nodes, dbNow) = try cluster.nodes()
                let totals = try cluster.totals()
                board.update {
                    $0.cluster?.nodes = nodes
                    $0.cluster?.totals = totals
                    $0.cluster?.checked = dbNow
                }
                clusterReachable(&loop)
                publishPages()
            } catch {
                clusterFailed(error, &loop, now: now)
            }
        }
        let due = loop.leased.filter { now - $0.value.renewed >= max(1, cluster.lease / 3) }
        guard !due.isEmpty else { return }
        do {
            let held = try cluster.renew(due.map(\.value.id))
            for (key, lease) in due {
                if held.contains(lease.id) {
                    loop.leased[key] = (lease.id, now)
                } else {
                    // Its poll's commit will be refused: another node has the feed now.
                    logger.warning("lease lost while polling (another node took the feed over)", metadata: ["feed": "\(key)"])
                    loop.leased[key] = nil
                }
            }
        } catch {
            clusterFailed(error, &loop, now: now)
        }
    }

    /// Other nodes' articles, announced by PostgreSQL (LISTEN/NOTIFY), go to this node's
    /// subscribers too: `tail -f` on any node follows the whole cluster, each article with
    /// its node and path (its text when that path can be read here, a shared filesystem).
    private func relayOtherNodes(_ cluster: ClusterNode, _ loop: inout LoopState, now: Int64) {
        do {
            for article in try cluster.articlesOfOtherNodes(wanted: wantsEvents()) {
                let text = article.spoolDir.flatMap { dir in site.ingestor.deliverer.spool.readArticle(at: dir + "/" + article.delivery.file) }
                publish(Self.event(article.delivery, spoolDir: article.spoolDir, text: text, node: article.node))
            }
        } catch {
            clusterFailed(error, &loop, now: now)
        }
    }

    /// Feeds leased and polled at once at most: half as many again as the fetch engine's
    /// transfers, so that between two claims (a third of it) the engine still has work.
    var claimWindow: Int { config.concurrency * 3 / 2 + 4 }

    /// Claims due feeds, as many as there is room for, and starts their polls.
    func claimFeeds(_ loop: inout LoopState, group: inout TaskGroup<Completion>, now: Int64, permits: Permits) {
        guard let cluster, now >= loop.nextClaim else { return }
        let room = claimWindow - loop.polling.count
        // In batches of a third of the window: a claim is a transaction of six statements;
        // one a finished poll would cost the database more than the polls.
        guard room > 0, room >= claimWindow / 3 || loop.polling.isEmpty else { return }
        let claims: [FeedLeases.Claim]
        do {
            (claims, loop.claimWhenPollEnds) = try cluster.claim(limit: room)
            clusterReachable(&loop)
        } catch {
            clusterFailed(error, &loop, now: now)
            return
        }
        loop.nextClaim = claims.count == room ? now : now + Self.claimEvery
        var claimed: [(String, FeedRecord)] = []
        for claim in claims {
            guard var entry = feeds[claim.key], !loop.polling.contains(claim.key) else {
                // Listed here a moment ago (a reload since), or still being applied.
                try? cluster.release(claim.id)
                continue
            }
            // Other nodes may have polled it since this node last did: its validators,
            // health and counts are the cluster's.
            if let fresh = claim.record { entry.record = fresh }
            feeds[claim.key] = entry
            loop.leased[claim.key] = (claim.id, now)
            claimed.append((claim.key, entry.record))
            startPoll(claim.key, entry.record, &loop, group: &group, permits: permits)
        }
        // Only the claimed feeds' records change: republishing the whole board here made
        // each claim cost as much as the node has feeds.
        if !claimed.isEmpty { board.update { snapshot in for (key, record) in claimed { snapshot.feeds[key] = record } } }
    }

    /// The poll was applied: the lease ends. (When the state recorded the poll, its
    /// statement ended the lease already; this releases what a poll not recorded — cancelled,
    /// its feed removed by a reload, the state failing — still holds.)
    func releaseLease(_ key: String, _ loop: inout LoopState) {
        guard let cluster, let lease = loop.leased.removeValue(forKey: key) else { return }
        do {
            try cluster.release(lease.id)
        } catch {
            // It runs out by itself within a lease; the feed is not due before its schedule.
            logger.warning("cannot release a lease: \(error)", metadata: ["feed": "\(key)"])
        }
    }

    /// `feedspool poll [FEED…]` on a node of a cluster: the feeds are made due for the whole
    /// cluster, and whichever node claims them polls them.
    func requestClusterPoll(_ keys: [String], now: Int64) {
        guard let cluster else { return }
        do {
            let made = try cluster.makeDue(keys, reason: "poll requested")
            logger.info("poll requested for the cluster: \(made.count) feed(s) due now")
        } catch {
            board.recordError(.init(time: now, feed: "-", stage: "state", message: "cannot request the poll from the cluster: \(error)"))
            logger.error("cannot request the poll from the cluster: \(error)")
        }
    }

    private func clusterReachable(_ loop: inout LoopState) {
        guard loop.clusterBackoff > 0 else { return }
        loop.clusterBackoff = 0
        logger.notice("cluster state reachable again")
        board.update { $0.cluster?.unreachable = nil }
    }

    /// A cluster call failed: nothing more is claimed until the back-off (2 s doubling to a
    /// minute) has passed; an unreachable server shows in `status` and systemd's status.
    func clusterFailed(_ error: StoreError, _ loop: inout LoopState, now: Int64) {
        let first = loop.clusterBackoff == 0
        loop.clusterBackoff = min(60, max(2, loop.clusterBackoff * 2))
        loop.nextClaim = now + loop.clusterBackoff
        loop.nextHeartbeat = now + loop.clusterBackoff
        if first { logger.error("cluster state: \(error)") }
        board.update {
            if error.isUnreachable { $0.cluster?.unreachable = error.message }
            $0.stateWriteFailures += error.isUnreachable ? 0 : 1
        }
        if !error.isUnreachable { board.recordError(.init(time: now, feed: "-", stage: "state", message: error.message)) }
    }
}

/// The cluster's page budgets, as the page scheduler asks for them. A failure to ask is a
/// wait of a few seconds (the claims' back-off reports an unreachable server), logged when
/// the failures start and when they end, not for every site and look.
final class ClusterSiteBudget: SharedSiteBudget {
    let cluster: ClusterNode
    let logger: Logger
    private var failing = false

    init(cluster: ClusterNode, logger: Logger) {
        self.cluster = cluster
        self.logger = logger
    }

    func take(origin: String, perMinute: Int, burst: Int) -> Int64? {
        do {
            let wait = try cluster.takePageToken(origin: origin, perMinute: perMinute, burst: burst)
            succeeded()
            return wait
        } catch {
            failed("cannot take a page request from the cluster's budget: \(error)", origin)
            return 5
        }
    }

    func block(origin: String, seconds: Int64) {
        do {
            try cluster.blockSite(origin: origin, seconds: seconds)
            succeeded()
        } catch {
            failed("cannot tell the cluster of a Retry-After: \(error)", origin)
        }
    }

    private func failed(_ message: String, _ origin: String) {
        guard !failing else { return }
        failing = true
        logger.warning("\(message) (page requests wait until it answers)", metadata: ["site": "\(origin)"])
    }

    private func succeeded() {
        guard failing else { return }
        failing = false
        logger.notice("the cluster's page budgets answer again")
    }
}

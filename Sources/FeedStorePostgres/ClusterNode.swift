import FeedStore

/// This node's part in the cluster, as the daemon's poll loop sees it: its heartbeat and
/// the feeds its configuration lists, the leases it claims, renews and releases, feed
/// polls requested cluster-wide, the items waiting for their page that a dead node left,
/// and the nodes' view for `status`. Its own connection (the state store's is busy with
/// deliveries), opened again after a loss; every failure is a `StoreError`, `unreachable`
/// when the server could not be reached.
public final class ClusterNode {
    public let node: String
    /// Seconds a lease lasts without renewal (`lease`).
    public let lease: Int64
    /// Feeds of one host leased at once, across the cluster (`per_host`).
    public let perHost: Int
    let version: String
    private let link: PGLink

    public init(connectionString: String, node: String, lease: Int64, perHost: Int, version: String) {
        self.node = node
        self.lease = lease
        self.perHost = perHost
        self.version = version
        link = PGLink(connectionString: connectionString) { () throws(PGError) in
            let db = try PGConnection(connectionString, applicationName: "feedspoold \(node) leases")
            // Claims, renewals, releases and heartbeats need not wait for the server's disk:
            // one lost in a server crash is a lease that runs out, or a poll that a commit's
            // fence refuses (see PostgresState.connect).
            try db.execute("SET synchronous_commit = off")
            // Other nodes' deliveries arrive on this connection (read by `articlesOfOtherNodes`).
            try db.execute("LISTEN \(PostgresState.articlesChannel)")
            return db
        }
    }

    @discardableResult
    private func run<T>(_ what: String, _ body: (FeedLeases) throws(PGError) -> T) throws(StoreError) -> T {
        try link.run(what) { db throws(PGError) in try body(FeedLeases(db: db, node: node)) }
    }

    /// Records the heartbeat and which feeds this node lists (at start and after a reload).
    /// `feedsHash` identifies the list, so that nodes whose configurations disagree show.
    public func announce(feeds: [FeedLeases.Listed], feedsHash: String, spoolDir: String) throws(StoreError) {
        try run("announce this node") { link throws(PGError) in
            try link.heartbeat(version: version, feedsHash: feedsHash, spoolDir: spoolDir)
            try link.list(feeds)
        }
    }

    public func heartbeat(feedsHash: String, spoolDir: String) throws(StoreError) {
        try run("record the heartbeat") { link throws(PGError) in try link.heartbeat(version: version, feedsHash: feedsHash, spoolDir: spoolDir) }
    }

    /// An article another node delivered, with where that node's spool is.
    public struct RemoteArticle: Sendable {
        public var delivery: Delivery
        public var node: String
        public var spoolDir: String?
    }

    /// The articles other nodes delivered since the last call (announced by their
    /// `markDelivered`; the connection listens from the moment it opens), read without
    /// waiting. `wanted` false drains the announcements without reading the articles.
    public func articlesOfOtherNodes(wanted: Bool = true) throws(StoreError) -> [RemoteArticle] {
        try run("read other nodes' articles") { link throws(PGError) -> [RemoteArticle] in
            var seqs: [Int64] = []
            for notification in try link.db.notifications() where notification.channel == PostgresState.articlesChannel {
                guard let colon = notification.payload.lastIndex(of: ":"), notification.payload[..<colon] != node else { continue }
                seqs += notification.payload[notification.payload.index(after: colon)...].split(separator: ",").compactMap { Int64($0) }
            }
            guard wanted, !seqs.isEmpty else { return [] }
            let rows = try link.db.execute("""
                SELECT \(PostgresState.deliveryColumns.split(separator: ",").map { "d." + $0.trimmingCharacters }.joined(separator: ", ")), d.node, n.spool_dir
                FROM deliveries d LEFT JOIN nodes n ON n.name = d.node WHERE d.seq = ANY($1::int8[]) ORDER BY d.seq
                """, PostgresState.array(seqs))
            let columns = PostgresState.deliveryColumns.split(separator: ",").count
            return PostgresState.deliveries(rows).enumerated().map { row, delivery in
                RemoteArticle(delivery: delivery, node: rows.text(row, columns) ?? "", spoolDir: rows.text(row, columns + 1))
            }
        }
    }

    /// Claims up to `limit` due feeds for one lease; `heldBack` when due feeds were left for
    /// their host's limit (see `FeedLeases.claimBatch`).
    public func claim(limit: Int) throws(StoreError) -> (claims: [FeedLeases.Claim], heldBack: Bool) {
        guard limit > 0 else { return ([], false) }
        return try run("claim due feeds") { link throws(PGError) in try link.claimBatch(limit: limit, lease: lease, perHost: perHost) }
    }

    /// Spends a page request of `origin`'s budget, shared by the cluster (see
    /// `FeedLeases.takePageToken`): nil, or the seconds until one may be there.
    public func takePageToken(origin: String, perMinute: Int, burst: Int) throws(StoreError) -> Int64? {
        try run("take a page request from the site's budget") { link throws(PGError) in
            try link.takePageToken(origin: origin, perMinute: perMinute, burst: burst)
        }
    }

    /// Records a site's Retry-After for every node.
    public func blockSite(origin: String, seconds: Int64) throws(StoreError) {
        try run("record a site's Retry-After") { link throws(PGError) in try link.blockSite(origin: origin, seconds: seconds) }
    }

    /// Renews the leases on `ids`; the ones returned are still this node's.
    public func renew(_ ids: [Int64]) throws(StoreError) -> Set<Int64> {
        try run("renew leases") { link throws(PGError) in try link.renew(ids, lease: lease) }
    }

    public func release(_ id: Int64) throws(StoreError) {
        try run("release a lease") { link throws(PGError) in try link.release(id) }
    }

    /// Makes feeds due now for the whole cluster (all when `keys` is empty).
    public func makeDue(_ keys: [String], reason: String) throws(StoreError) -> [String] {
        try run("make feeds due") { link throws(PGError) in try link.makeDue(keys, reason: reason) }
    }

    /// Takes over the items waiting for their page whose node is gone (no heartbeat within
    /// a lease), and returns their tickets: each waiting item is some live node's.
    public func adoptOrphanedPages() throws(StoreError) -> [PageTicket] {
        try run("adopt waiting items") { connection throws(PGError) in
            let rows = try connection.db.execute("""
                UPDATE pending_pages SET lease_node = $1
                WHERE lease_node IS NULL OR lease_node NOT IN
                    (SELECT name FROM nodes WHERE heartbeat >= EXTRACT(EPOCH FROM clock_timestamp())::BIGINT - $2)
                RETURNING feed_id, identity, link, deadline, next_attempt, attempts, last_error
                """, .text(node), .int(lease))
            return (0..<rows.count).map { row in
                PageTicket(
                    feedID: rows.int(row, 0) ?? 0, identity: rows.int(row, 1) ?? 0, link: rows.text(row, 2) ?? "", deadline: rows.int(row, 3) ?? 0,
                    nextAttempt: rows.int(row, 4) ?? 0, attempts: Int(rows.int(row, 5) ?? 0), lastError: rows.text(row, 6))
            }
        }
    }

    /// One node as `status` shows it.
    public struct NodeView: Sendable, Equatable {
        public var name: String
        public var version: String
        public var started: Int64
        public var heartbeat: Int64
        /// Its heartbeat is within one lease.
        public var alive: Bool
        public var feedsLeased: Int64
        public var feedsListed: Int64
        /// Intents recorded but not yet marked delivered.
        public var pendingIntents: Int64
        public var feedsHash: String?
    }

    /// The whole cluster's figures: feeds, articles delivered and duplicates skipped (every
    /// node's), items waiting for their page.
    public struct Totals: Sendable, Equatable {
        public var feeds: Int64
        public var delivered: Int64
        public var duplicates: Int64
        public var waitingPages: Int64
    }

    public func totals() throws(StoreError) -> Totals {
        try run("read the cluster's totals") { link throws(PGError) in
            let rows = try link.db.execute("""
                SELECT COUNT(*), COALESCE(SUM(delivered), 0), COALESCE(SUM(duplicates), 0), (SELECT COUNT(*) FROM pending_pages) FROM feeds
                """)
            return Totals(feeds: rows.int(0, 0) ?? 0, delivered: rows.int(0, 1) ?? 0, duplicates: rows.int(0, 2) ?? 0, waitingPages: rows.int(0, 3) ?? 0)
        }
    }

    /// Every node the cluster knows, and the database's time.
    public func nodes() throws(StoreError) -> (nodes: [NodeView], now: Int64) {
        try run("read the nodes") { link throws(PGError) in
            let rows = try link.db.execute("""
                SELECT n.name, n.version, n.started, n.heartbeat,
                    n.heartbeat >= EXTRACT(EPOCH FROM clock_timestamp())::BIGINT - $1,
                    (SELECT COUNT(*) FROM feeds f WHERE f.lease_node = n.name AND f.lease_until >= EXTRACT(EPOCH FROM clock_timestamp())::BIGINT),
                    (SELECT COUNT(*) FROM feed_listings fl WHERE fl.node = n.name),
                    (SELECT COUNT(*) FROM deliveries d WHERE d.node = n.name AND d.state = 0),
                    n.feeds_hash, EXTRACT(EPOCH FROM clock_timestamp())::BIGINT
                FROM nodes n ORDER BY n.name
                """, .int(lease))
            let views = (0..<rows.count).map { row in
                NodeView(
                    name: rows.text(row, 0) ?? "", version: rows.text(row, 1) ?? "", started: rows.int(row, 2) ?? 0, heartbeat: rows.int(row, 3) ?? 0,
                    alive: rows.bool(row, 4) ?? false, feedsLeased: rows.int(row, 5) ?? 0, feedsListed: rows.int(row, 6) ?? 0,
                    pendingIntents: rows.int(row, 7) ?? 0, feedsHash: rows.text(row, 8))
            }
            return (views, rows.int(0, 9) ?? 0)
        }
    }
}

extension Substring {
    var trimmingCharacters: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

import FeedStore

/// Feeds shared by leases. A node claims due feeds in batches (`FOR UPDATE SKIP LOCKED`:
/// two nodes claiming at once get disjoint batches, neither waits for the other), holds
/// each lease while it polls, renews it, and releases it when the poll commits; a node
/// that dies loses its leases when they run out, and the others take its feeds over.
///
/// Lease times are the database's clock, never a node's: nodes whose clocks disagree still
/// agree on whose lease has run out. A node that lost a lease (it paused past its end)
/// must not commit that feed's poll: `holds` is the check its commit makes, in the same
/// transaction, so a late node never writes over the one that took the feed over.
public struct FeedLeases {
    public let db: PGConnection
    public let node: String

    public init(db: PGConnection, node: String) {
        self.db = db
        self.node = node
    }

    /// The database's time, in whole seconds.
    static let now = "EXTRACT(EPOCH FROM clock_timestamp())::BIGINT"

    /// A feed claimed for a poll.
    public struct Claim: Sendable, Equatable {
        public var id: Int64
        public var key: String
        public var url: String
        public var leaseUntil: Int64
        /// The feed as the cluster knows it now (validators, health, counts): other nodes
        /// may have polled it since this one last did.
        public var record: FeedRecord?
    }

    /// Records this node's heartbeat (creating its row): `status` lists the nodes alive.
    public func heartbeat(version: String, feedsHash: String? = nil, spoolDir: String? = nil) throws(PGError) {
        try db.execute("""
            INSERT INTO nodes(name, started, heartbeat, version, feeds_hash, spool_dir) VALUES($1, \(Self.now), \(Self.now), $2, $3, $4)
            ON CONFLICT(name) DO UPDATE SET heartbeat = \(Self.now), version = excluded.version, feeds_hash = excluded.feeds_hash,
                spool_dir = COALESCE(excluded.spool_dir, nodes.spool_dir)
            """, .text(node), .text(version), .of(feedsHash), .of(spoolDir))
    }

    /// A feed as a node's configuration lists it: its key, name, and the host its requests
    /// go to (the key the per-host limit counts, as the fetch engine's `hostKey`).
    public typealias Listed = (key: String, name: String?, host: String)

    /// Records which feeds this node's configuration lists (by key), creating the ones the
    /// cluster does not know yet; a feed no node lists any more is never claimed. A few
    /// statements whatever the number of feeds (arrays, not a round trip a feed).
    public func list(_ feeds: [Listed]) throws(PGError) {
        let keys = feeds.map(\.key)
        let hosts = feeds.map(\.host)
        try db.transaction { () throws(PGError) in
            try db.execute("""
                INSERT INTO feeds(key, url, name, added, host)
                SELECT k, k, n, \(Self.now), h FROM unnest($1::text[], $2::text[], $3::text[]) AS u(k, n, h)
                ON CONFLICT(key) DO UPDATE SET name = excluded.name, host = excluded.host
                    WHERE feeds.name IS DISTINCT FROM excluded.name OR feeds.host <> excluded.host
                """, PGValue.textArray(keys), PGValue.textArray(feeds.map(\.name)), PGValue.textArray(hosts))
            try db.execute(
                "INSERT INTO sites(origin, tokens, updated) SELECT DISTINCT h, 0, 0 FROM unnest($1::text[]) AS h ON CONFLICT DO NOTHING",
                PGValue.textArray(hosts))
            try db.execute("DELETE FROM feed_listings WHERE node = $1", .text(node))
            try db.execute(
                "INSERT INTO feed_listings(node, feed_id) SELECT $1, id FROM feeds WHERE key = ANY($2::text[]) ON CONFLICT DO NOTHING",
                .text(node), PGValue.textArray(keys))
        }
        // Fresh statistics for the claims' plan: before autovacuum's first look at a new
        // cluster, the planner takes the listings for a few rows and joins every feed.
        try db.executeScript("ANALYZE feeds, feed_listings")
    }

    /// Claims up to `limit` due feeds, earliest due first, for `lease` seconds: feeds this
    /// node's configuration lists (a node polls nothing it has no settings for; a feed no
    /// node lists is polled by none), not retired, due by the database's clock, whose lease
    /// (if any) has run out — and no more feeds of one host leased at once, across the
    /// cluster, than `perHost` (a lease spans its feed's request: three nodes never put
    /// three times the load on one publisher).
    ///
    /// Its reads are indexed (due order; leased feeds, by host): a claim costs the feeds it
    /// looks at, not every feed of the cluster. Feeds a dead node left mid-poll come first.
    ///
    /// Locks: candidate feeds are taken `FOR UPDATE SKIP LOCKED` (two nodes claiming at once
    /// get disjoint sets, neither waits); their hosts' `sites` rows are then locked in
    /// order, so that two claims counting one host's leases follow each other.
    public func claim(limit: Int, lease: Int64, perHost: Int = Int.max) throws(PGError) -> [Claim] {
        try claimBatch(limit: limit, lease: lease, perHost: perHost).claims
    }

    /// A claim's feeds, and whether due feeds were left for their hosts' limit: the claimer
    /// should look again as soon as one of its polls ends (its host's lease is freed),
    /// rather than on its next tick — otherwise one host's feeds are polled `perHost` a
    /// tick, however fast the publisher answers.
    public func claimBatch(limit: Int, lease: Int64, perHost: Int = Int.max) throws(PGError) -> (claims: [Claim], heldBack: Bool) {
        try db.transaction { () throws(PGError) -> (claims: [Claim], heldBack: Bool) in
            let candidates = try claimCandidates(limit: limit)
            guard !candidates.isEmpty else { return ([], false) }
            let (chosen, heldBack) = try choose(candidates, limit: limit, perHost: perHost)
            guard !chosen.isEmpty else { return ([], heldBack) }
            return (try take(chosen, lease: lease), heldBack)
        }
    }

    /// The feeds this node could claim now, locked, most overdue first: feeds a node left
    /// in the middle of their poll (it died: the lease ran out unreleased), then due feeds.
    /// Orphans come first because their takeover must not wait behind a backlog of due
    /// feeds; they are few rows, from the leased-feeds index.
    private func claimCandidates(limit: Int) throws(PGError) -> [(id: Int64, host: String)] {
        let listed = "EXISTS (SELECT 1 FROM feed_listings l WHERE l.feed_id = feeds.id AND l.node = $2)"
        let orphans = try db.execute("""
            SELECT id, host FROM feeds
            WHERE lease_node IS NOT NULL AND lease_until < \(Self.now) AND NOT retired
                AND COALESCE(next_due, 0) <= \(Self.now) AND \(listed)
            ORDER BY lease_until, id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
            """, .int(Int64(limit)), .text(node))
        let due = try db.execute("""
            SELECT id, host FROM feeds
            WHERE NOT retired AND COALESCE(next_due, 0) <= \(Self.now)
                AND (lease_until IS NULL OR lease_until < \(Self.now)) AND \(listed)
            ORDER BY COALESCE(next_due, 0), id
            LIMIT $1
            FOR UPDATE SKIP LOCKED
            """, .int(Int64(min(limit * 4, 100_000))), .text(node))
        var candidates: [(id: Int64, host: String)] = []
        var seen = Set<Int64>()
        for rows in [orphans, due] {
            for row in 0..<rows.count {
                if let id = rows.int(row, 0), seen.insert(id).inserted { candidates.append((id, rows.text(row, 1) ?? "")) }
            }
        }
        return candidates
    }

    /// Up to `limit` candidates, in order, whose hosts have fewer than `perHost` feeds
    /// leased; whether any was held back for that. The hosts' site rows are locked first,
    /// so two nodes cannot both count a host's leases below the limit.
    private func choose(_ candidates: [(id: Int64, host: String)], limit: Int, perHost: Int) throws(PGError) -> (ids: [Int64], heldBack: Bool) {
        let hosts = Set(candidates.map(\.host)).sorted()
        try db.execute("SELECT origin FROM sites WHERE origin = ANY($1::text[]) ORDER BY origin FOR UPDATE", PGValue.textArray(hosts))
        let busyRows = try db.execute("""
            SELECT host, COUNT(*) FROM feeds
            WHERE host = ANY($1::text[]) AND lease_node IS NOT NULL AND lease_until >= \(Self.now) GROUP BY host
            """, PGValue.textArray(hosts))
        var busy: [String: Int] = [:]
        for row in 0..<busyRows.count { busy[busyRows.text(row, 0) ?? ""] = Int(busyRows.int(row, 1) ?? 0) }
        var chosen: [Int64] = []
        var heldBack = false
        for (id, host) in candidates where chosen.count < limit {
            if busy[host, default: 0] >= perHost {
                heldBack = true
                continue
            }
            busy[host, default: 0] += 1
            chosen.append(id)
        }
        return (chosen, heldBack)
    }

    /// Leases the chosen feeds to this node for `lease` seconds; their claims in the order
    /// chosen.
    private func take(_ chosen: [Int64], lease: Int64) throws(PGError) -> [Claim] {
        let rows = try db.execute("""
            UPDATE feeds SET lease_node = $1, lease_until = \(Self.now) + $2
            WHERE id = ANY($3::int8[])
            RETURNING \(PostgresState.feedColumns), lease_until
            """, .text(node), .int(lease), PostgresState.array(chosen))
        let records = PostgresState.feeds(rows)
        let leaseColumn = PostgresState.feedColumns.split(separator: ",").count
        let order = Dictionary(uniqueKeysWithValues: chosen.enumerated().map { ($1, $0) })
        return records.enumerated().map { row, record in
            Claim(id: record.id, key: record.key, url: record.url, leaseUntil: rows.int(row, leaseColumn) ?? 0, record: record)
        }.sorted { order[$0.id] ?? 0 < order[$1.id] ?? 0 }
    }

    /// Extends this node's leases on `ids` by `lease` seconds from now; returns the ids it
    /// still held (a lease already taken over is not renewed: its poll must be abandoned).
    public func renew(_ ids: [Int64], lease: Int64) throws(PGError) -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let rows = try db.execute("""
            UPDATE feeds SET lease_until = \(Self.now) + $1
            WHERE lease_node = $2 AND lease_until >= \(Self.now) AND id = ANY($3::BIGINT[])
            RETURNING id
            """, .int(lease), .text(node), PostgresState.array(ids))
        return Set((0..<rows.count).compactMap { rows.int($0, 0) })
    }

    /// Whether this node still holds the lease on `id`, locking the feed's row until the
    /// transaction ends (call it inside the transaction that commits the poll).
    public func holds(_ id: Int64) throws(PGError) -> Bool {
        let rows = try db.execute(
            "SELECT 1 FROM feeds WHERE id = $1 AND lease_node = $2 AND lease_until >= \(Self.now) FOR UPDATE", .int(id), .text(node))
        return !rows.isEmpty
    }

    /// Ends this node's lease on `id` (a poll not recorded; a recorded one's `finishPoll`
    /// ends it).
    public func release(_ id: Int64) throws(PGError) {
        try db.execute("UPDATE feeds SET lease_node = NULL, lease_until = NULL WHERE id = $1 AND lease_node = $2", .int(id), .text(node))
    }

    /// Makes feeds due now, cluster-wide (all when `keys` is empty): whichever node claims
    /// them next polls them. Returns the keys made due.
    public func makeDue(_ keys: [String], reason: String) throws(PGError) -> [String] {
        if keys.isEmpty {
            let rows = try db.execute("UPDATE feeds SET next_due = 0, due_reason = $1, retired = false RETURNING key", .text(reason))
            return (0..<rows.count).compactMap { rows.text($0, 0) }
        }
        return try db.transaction { () throws(PGError) -> [String] in
            var made: [String] = []
            for key in keys {
                let rows = try db.execute(
                    "UPDATE feeds SET next_due = 0, due_reason = $1, retired = false WHERE key = $2 RETURNING key", .text(reason), .text(key))
                made += (0..<rows.count).compactMap { rows.text($0, 0) }
            }
            return made
        }
    }
}

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
    }

    /// Records this node's heartbeat (creating its row): `status` lists the nodes alive.
    public func heartbeat(version: String, feedsHash: String? = nil) throws(PGError) {
        try db.execute("""
            INSERT INTO nodes(name, started, heartbeat, version, feeds_hash) VALUES($1, \(Self.now), \(Self.now), $2, $3)
            ON CONFLICT(name) DO UPDATE SET heartbeat = \(Self.now), version = excluded.version, feeds_hash = excluded.feeds_hash
            """, .text(node), .text(version), .of(feedsHash))
    }

    /// Records which feeds this node's configuration lists (by key), creating the ones the
    /// cluster does not know yet; a feed no node lists any more is never claimed.
    public func list(_ feeds: [(key: String, name: String?)]) throws(PGError) {
        try db.transaction { () throws(PGError) in
            try db.execute("DELETE FROM feed_listings WHERE node = $1", .text(node))
            for f in feeds {
                try db.execute("""
                    INSERT INTO feeds(key, url, name, added) VALUES($1, $1, $2, \(Self.now))
                    ON CONFLICT(key) DO UPDATE SET name = COALESCE(excluded.name, feeds.name)
                    """, .text(f.key), .of(f.name))
                try db.execute(
                    "INSERT INTO feed_listings(node, feed_id) SELECT $1, id FROM feeds WHERE key = $2 ON CONFLICT DO NOTHING",
                    .text(node), .text(f.key))
            }
        }
    }

    /// Claims up to `limit` due feeds, earliest due first, for `lease` seconds: feeds this
    /// node's configuration lists (a node polls nothing it has no settings for; a feed no
    /// node lists is polled by none), not retired, due by the database's clock, whose lease
    /// (if any) has run out.
    public func claim(limit: Int, lease: Int64) throws(PGError) -> [Claim] {
        let rows = try db.execute("""
            WITH due AS (
                SELECT id FROM feeds
                WHERE NOT retired AND COALESCE(next_due, 0) <= \(Self.now)
                    AND (lease_until IS NULL OR lease_until < \(Self.now))
                    AND EXISTS (SELECT 1 FROM feed_listings l WHERE l.feed_id = feeds.id AND l.node = $2)
                ORDER BY next_due NULLS FIRST, id
                LIMIT $1
                FOR UPDATE SKIP LOCKED)
            UPDATE feeds f SET lease_node = $2, lease_until = \(Self.now) + $3
            FROM due WHERE f.id = due.id
            RETURNING f.id, f.key, f.url, f.lease_until
            """, .int(Int64(limit)), .text(node), .int(lease))
        return (0..<rows.count).map { r in
            Claim(id: rows.int(r, 0) ?? 0, key: rows.text(r, 1) ?? "", url: rows.text(r, 2) ?? "", leaseUntil: rows.int(r, 3) ?? 0)
        }
    }

    /// Extends this node's leases on `ids` by `lease` seconds from now; returns the ids it
    /// still held (a lease already taken over is not renewed: its poll must be abandoned).
    public func renew(_ ids: [Int64], lease: Int64) throws(PGError) -> Set<Int64> {
        guard !ids.isEmpty else { return [] }
        let list = "{" + ids.map(String.init).joined(separator: ",") + "}"
        let rows = try db.execute("""
            UPDATE feeds SET lease_until = \(Self.now) + $1
            WHERE lease_node = $2 AND lease_until >= \(Self.now) AND id = ANY($3::BIGINT[])
            RETURNING id
            """, .int(lease), .text(node), .text(list))
        return Set((0..<rows.count).compactMap { rows.int($0, 0) })
    }

    /// Whether this node still holds the lease on `id`, locking the feed's row until the
    /// transaction ends (call it inside the transaction that commits the poll).
    public func holds(_ id: Int64) throws(PGError) -> Bool {
        let rows = try db.execute(
            "SELECT 1 FROM feeds WHERE id = $1 AND lease_node = $2 AND lease_until >= \(Self.now) FOR UPDATE", .int(id), .text(node))
        return !rows.isEmpty
    }

    /// Ends the lease on `id` and sets when the feed is due next (the poll committed).
    public func release(_ id: Int64, nextDue: Int64?, reason: String?) throws(PGError) {
        try db.execute("""
            UPDATE feeds SET lease_node = NULL, lease_until = NULL, next_due = $3, due_reason = $4
            WHERE id = $1 AND lease_node = $2
            """, .int(id), .text(node), .of(nextDue), .of(reason))
    }

    /// Ends this node's lease on `id`, leaving its schedule as the poll's commit set it.
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

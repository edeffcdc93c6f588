/// The cluster state's schema in PostgreSQL, as numbered migrations. `feedspool_meta`'s
/// `schema` row holds the number applied. Migrations run at start under an advisory lock,
/// so two nodes starting together never apply one twice, and a node finding a newer schema
/// than it knows refuses to run rather than misread it.
public enum ClusterSchema {
    /// The advisory lock key the migrations hold (any constant: "fdsp" in ASCII).
    static let lockKey: Int64 = 0x6664_7370

    static let migrations: [String] = [
        // 1: the single-machine state (feeds, items, deliveries with provenance, fingerprints,
        // SimHash bands, items waiting for their page), plus what a cluster shares: the nodes
        // and their heartbeats, which node lists which feed, feed leases, the delivery
        // sequence, and each site's politeness.
        """
        CREATE TABLE nodes(
            name TEXT PRIMARY KEY,
            started BIGINT NOT NULL,
            heartbeat BIGINT NOT NULL,
            version TEXT NOT NULL,
            feeds_hash TEXT,
            spool_dir TEXT
        );
        CREATE TABLE feeds(
            id BIGSERIAL PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            name TEXT,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            added BIGINT NOT NULL,
            last_fetch BIGINT,
            last_success BIGINT,
            last_status INTEGER,
            failure_streak INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_error_stage TEXT,
            next_due BIGINT,
            due_reason TEXT,
            retired BOOLEAN NOT NULL DEFAULT false,
            delivered BIGINT NOT NULL DEFAULT 0,
            duplicates BIGINT NOT NULL DEFAULT 0,
            pages_tried BIGINT NOT NULL DEFAULT 0,
            pages_used BIGINT NOT NULL DEFAULT 0,
            lease_node TEXT,
            lease_until BIGINT,
            host TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX feeds_due ON feeds(next_due) WHERE NOT retired;
        CREATE INDEX feeds_leased_host ON feeds(host) WHERE lease_node IS NOT NULL;
        CREATE TABLE feed_listings(
            node TEXT NOT NULL REFERENCES nodes(name) ON DELETE CASCADE,
            feed_id BIGINT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            PRIMARY KEY(node, feed_id)
        );
        CREATE INDEX feed_listings_feed ON feed_listings(feed_id);
        CREATE TABLE items(
            feed_id BIGINT NOT NULL,
            identity BIGINT NOT NULL,
            content BIGINT NOT NULL,
            first_seen BIGINT NOT NULL,
            last_seen BIGINT NOT NULL,
            seq BIGINT,
            outcome INTEGER NOT NULL DEFAULT 0,
            related_seq BIGINT,
            distance INTEGER,
            PRIMARY KEY(feed_id, identity)
        );
        CREATE INDEX items_last_seen ON items(last_seen);
        CREATE SEQUENCE delivery_seq MINVALUE 0 START 0 INCREMENT 64;
        CREATE TABLE deliveries(
            seq BIGINT PRIMARY KEY,
            node TEXT NOT NULL,
            state SMALLINT NOT NULL,
            article_id TEXT NOT NULL,
            file TEXT NOT NULL,
            feed_id BIGINT NOT NULL,
            feed_url TEXT NOT NULL,
            link TEXT,
            guid TEXT,
            title TEXT NOT NULL,
            published BIGINT,
            published_offset INTEGER,
            first_seen BIGINT NOT NULL,
            decision TEXT NOT NULL,
            fingerprint BIGINT NOT NULL,
            simhash BIGINT,
            text_source TEXT,
            text_note TEXT
        );
        CREATE INDEX deliveries_article ON deliveries(article_id);
        CREATE INDEX deliveries_pending ON deliveries(node) WHERE state = 0;
        CREATE TABLE fingerprints(fingerprint BIGINT PRIMARY KEY, seq BIGINT NOT NULL, seen BIGINT NOT NULL);
        CREATE TABLE simhashes(band BIGINT NOT NULL, simhash BIGINT NOT NULL, seq BIGINT NOT NULL, seen BIGINT NOT NULL);
        CREATE INDEX simhashes_band ON simhashes(band);
        CREATE INDEX simhashes_seen ON simhashes(seen);
        CREATE TABLE pending_pages(
            feed_id BIGINT NOT NULL,
            identity BIGINT NOT NULL,
            article_id TEXT NOT NULL,
            content BIGINT NOT NULL,
            is_update BOOLEAN NOT NULL,
            link TEXT NOT NULL,
            guid TEXT,
            title TEXT NOT NULL,
            date TEXT NOT NULL,
            published BIGINT,
            published_offset INTEGER,
            body TEXT NOT NULL,
            teaser TEXT NOT NULL,
            first_seen BIGINT NOT NULL,
            deadline BIGINT NOT NULL,
            next_attempt BIGINT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            lease_node TEXT,
            lease_until BIGINT,
            PRIMARY KEY(feed_id, identity)
        );
        CREATE TABLE sites(
            origin TEXT PRIMARY KEY,
            tokens DOUBLE PRECISION NOT NULL,
            updated BIGINT NOT NULL,
            blocked_until BIGINT NOT NULL DEFAULT 0,
            in_flight INTEGER NOT NULL DEFAULT 0
        );
        """,
        // 2: claims read due feeds in order from an index and stop at their limit (the first
        // index could not give "never polled first" order, so every claim sorted every feed).
        """
        DROP INDEX feeds_due;
        CREATE INDEX feeds_due ON feeds((COALESCE(next_due, 0)), id) WHERE NOT retired;
        """,
    ]

    /// The schema this feedspool writes.
    public static var version: Int { migrations.count }

    /// Brings the database to this feedspool's schema, under the advisory lock; throws when
    /// it was written by a newer feedspool. Returns the version it found.
    @discardableResult
    public static func migrate(_ db: PGConnection) throws(PGError) -> Int {
        try db.execute("SELECT pg_advisory_lock($1)", .int(lockKey))
        defer { _ = try? db.execute("SELECT pg_advisory_unlock($1)", .int(lockKey)) }
        try db.execute("CREATE TABLE IF NOT EXISTS feedspool_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        let found = Int(try db.execute("SELECT value FROM feedspool_meta WHERE key = 'schema'").text(0, 0) ?? "0") ?? 0
        guard found <= version else {
            throw PGError(
                "\(db.place): the cluster state was written by a newer feedspool (schema \(found), this one knows \(version)); upgrade this node")
        }
        for step in found..<version {
            try db.transaction { () throws(PGError) in
                try db.executeScript(migrations[step])
                try db.execute(
                    "INSERT INTO feedspool_meta(key, value) VALUES('schema', $1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    .text(String(step + 1)))
            }
        }
        return found
    }
}

/// The state database's schema, as numbered migrations. `PRAGMA user_version` holds the
/// number of migrations applied; each runs once, in one transaction with its bump.
enum Schema {
    static let migrations: [String] = [
        // 1: feeds, seen items, deliveries (with provenance), fingerprints, SimHash bands.
        """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE feeds(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            name TEXT,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            added INTEGER NOT NULL,
            last_fetch INTEGER,
            last_success INTEGER,
            last_status INTEGER,
            failure_streak INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            last_error_stage TEXT,
            next_due INTEGER,
            due_reason TEXT,
            retired INTEGER NOT NULL DEFAULT 0,
            delivered INTEGER NOT NULL DEFAULT 0,
            duplicates INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE items(
            feed_id INTEGER NOT NULL,
            identity INTEGER NOT NULL,
            content INTEGER NOT NULL,
            first_seen INTEGER NOT NULL,
            last_seen INTEGER NOT NULL,
            seq INTEGER,
            decision TEXT NOT NULL,
            PRIMARY KEY(feed_id, identity)
        ) WITHOUT ROWID;
        CREATE INDEX items_last_seen ON items(last_seen);
        CREATE TABLE deliveries(
            seq INTEGER PRIMARY KEY,
            state INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            file TEXT NOT NULL,
            feed_id INTEGER NOT NULL,
            feed_url TEXT NOT NULL,
            link TEXT,
            guid TEXT,
            title TEXT NOT NULL,
            published INTEGER,
            published_offset INTEGER,
            first_seen INTEGER NOT NULL,
            decision TEXT NOT NULL,
            fingerprint INTEGER NOT NULL,
            simhash INTEGER
        );
        CREATE INDEX deliveries_article ON deliveries(article_id);
        CREATE INDEX deliveries_pending ON deliveries(state) WHERE state = 0;
        CREATE TABLE fingerprints(fingerprint INTEGER PRIMARY KEY, seq INTEGER NOT NULL, seen INTEGER NOT NULL);
        CREATE TABLE simhashes(band INTEGER NOT NULL, simhash INTEGER NOT NULL, seq INTEGER NOT NULL, seen INTEGER NOT NULL);
        CREATE INDEX simhashes_band ON simhashes(band);
        CREATE INDEX simhashes_seen ON simhashes(seen);
        """,
        // 2: an item's decision as a code (ItemDecision) with the article it relates to and
        // the distance, instead of a sentence; the sentences schema 1 wrote are read back.
        """
        ALTER TABLE items ADD COLUMN outcome INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE items ADD COLUMN related_seq INTEGER;
        ALTER TABLE items ADD COLUMN distance INTEGER;
        UPDATE items SET
            outcome = CASE
                WHEN decision = 'delivered' THEN 1
                WHEN decision = 'delivered (update)' THEN 2
                WHEN decision = 'already in the spool' THEN 3
                WHEN decision LIKE 'too old%' THEN 4
                WHEN decision LIKE 'over max_items%' THEN 5
                WHEN decision LIKE 'duplicate of %' THEN 6
                WHEN decision LIKE 'near-duplicate of %' THEN 7
                ELSE 0 END,
            related_seq = CASE
                WHEN decision LIKE 'duplicate of %' THEN CAST(substr(decision, 14) AS INTEGER)
                WHEN decision LIKE 'near-duplicate of %' THEN CAST(substr(decision, 19) AS INTEGER)
                ELSE NULL END,
            distance = CASE
                WHEN decision LIKE 'near-duplicate of %' THEN CAST(substr(decision, instr(decision, 'distance ') + 9) AS INTEGER)
                ELSE NULL END;
        ALTER TABLE items DROP COLUMN decision;
        """,
        // 3: full text — items waiting for their page (crash-safe: recorded with the poll
        // that found them, removed with their delivery), where each article's text came
        // from, and each feed's page successes.
        """
        CREATE TABLE pending_pages(
            feed_id INTEGER NOT NULL,
            identity INTEGER NOT NULL,
            article_id TEXT NOT NULL,
            content INTEGER NOT NULL,
            is_update INTEGER NOT NULL,
            link TEXT NOT NULL,
            guid TEXT,
            title TEXT NOT NULL,
            date TEXT NOT NULL,
            published INTEGER,
            published_offset INTEGER,
            body TEXT NOT NULL,
            teaser TEXT NOT NULL,
            first_seen INTEGER NOT NULL,
            deadline INTEGER NOT NULL,
            next_attempt INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            PRIMARY KEY(feed_id, identity)
        ) WITHOUT ROWID;
        ALTER TABLE deliveries ADD COLUMN text_source TEXT;
        ALTER TABLE deliveries ADD COLUMN text_note TEXT;
        ALTER TABLE feeds ADD COLUMN pages_tried INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE feeds ADD COLUMN pages_used INTEGER NOT NULL DEFAULT 0;
        """,
        // 4: one SimHash row per delivery, appended in sequence order; the bands are looked
        // up in memory (NearIndex) instead of through an index that every commit wrote
        // seven times per article.
        """
        CREATE TABLE simhashes_by_seq(seq INTEGER PRIMARY KEY, simhash INTEGER NOT NULL, seen INTEGER NOT NULL);
        INSERT INTO simhashes_by_seq(seq, simhash, seen) SELECT seq, MIN(simhash), MAX(seen) FROM simhashes GROUP BY seq;
        DROP TABLE simhashes;
        ALTER TABLE simhashes_by_seq RENAME TO simhashes;
        """,
    ]
}

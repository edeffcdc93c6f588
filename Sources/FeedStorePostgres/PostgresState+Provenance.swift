import FeedStore

// The deliveries' provenance (`feedspool show`), the state's counts and its pruning.
extension PostgresState {
    static let deliveryColumns = "seq, state, article_id, file, feed_id, feed_url, link, guid, title, published, published_offset, first_seen, decision, fingerprint, simhash, text_source, text_note"

    func deliveries(_ what: String, where clause: String, _ value: PGValue) throws(StoreError) -> [Delivery] {
        let rows = try run("read \(what)") { db throws(PGError) in
            try db.execute("SELECT \(Self.deliveryColumns) FROM deliveries WHERE \(clause) ORDER BY seq", value)
        }
        return Self.deliveries(rows)
    }

    /// Deliveries from rows of `deliveryColumns`.
    static func deliveries(_ rows: PGRows) -> [Delivery] {
        (0..<rows.count).map { row in
            Delivery(
                seq: rows.int(row, 0) ?? 0, delivered: rows.int(row, 1) != 0, articleID: rows.text(row, 2) ?? "", file: rows.text(row, 3) ?? "", feedID: rows.int(row, 4) ?? 0,
                feedURL: rows.text(row, 5) ?? "", link: rows.text(row, 6), guid: rows.text(row, 7), title: rows.text(row, 8) ?? "", published: rows.int(row, 9),
                publishedOffset: rows.int(row, 10).map { Int($0) }, firstSeen: rows.int(row, 11) ?? 0,
                decision: DeliveryDecision(rawValue: rows.text(row, 12) ?? "") ?? .new, fingerprint: rows.int(row, 13) ?? 0, simhash: rows.int(row, 14),
                textSource: TextSource(stored: rows.text(row, 15), note: rows.text(row, 16)))
        }
    }

    public func delivery(seq: Int64) throws(StoreError) -> Delivery? {
        try deliveries("delivery \(seq)", where: "seq = $1", .int(seq)).first
    }

    public func deliveries(articleID: String) throws(StoreError) -> [Delivery] {
        try deliveries("the deliveries of \(articleID)", where: "article_id = $1", .text(articleID))
    }

    public var deliveredCount: Int64 {
        get throws(StoreError) { try count("SELECT COUNT(*) FROM deliveries WHERE state = 1") }
    }

    public var seenCount: Int64 {
        get throws(StoreError) { try count("SELECT COUNT(*) FROM items") }
    }

    private func count(_ sql: String) throws(StoreError) -> Int64 {
        try run("count") { db throws(PGError) in try db.execute(sql).int(0, 0) ?? 0 }
    }

    // MARK: Bounds

    public func prune(before cutoff: Int64, nearBefore nearCutoff: Int64?) throws(StoreError) -> StatePruned {
        try run("prune the state") { db throws(PGError) in
            try db.transaction { () throws(PGError) -> StatePruned in
                var pruned = StatePruned()
                pruned.items = try db.execute("""
                    WITH gone AS (DELETE FROM items WHERE last_seen < $1 AND NOT EXISTS
                        (SELECT 1 FROM pending_pages p WHERE p.feed_id = items.feed_id AND p.identity = items.identity) RETURNING 1)
                    SELECT COUNT(*) FROM gone
                    """, .int(cutoff)).int(0, 0).map { Int($0) } ?? 0
                pruned.fingerprints = try db.execute("WITH gone AS (DELETE FROM fingerprints WHERE seen < $1 RETURNING 1) SELECT COUNT(*) FROM gone", .int(cutoff))
                    .int(0, 0).map { Int($0) } ?? 0
                pruned.fingerprints += try db.execute("WITH gone AS (DELETE FROM simhashes WHERE seen < $1 RETURNING 1) SELECT COUNT(*) FROM gone", .int(max(cutoff, nearCutoff ?? cutoff)))
                    .int(0, 0).map { Int($0) } ?? 0
                // Each node's newest delivery stays: a node that has delivered is never taken
                // for a new one (whose spool files would be adopted).
                // (Each node's newest is found once, not once a row.)
                pruned.deliveries = try db.execute("""
                    WITH newest AS (SELECT node, MAX(seq) AS top FROM deliveries GROUP BY node),
                    gone AS (DELETE FROM deliveries d USING newest n WHERE d.node = n.node AND d.seq < n.top
                        AND d.state = 1 AND d.first_seen < $1 RETURNING 1)
                    SELECT COUNT(*) FROM gone
                    """, .int(cutoff)).int(0, 0).map { Int($0) } ?? 0
                return pruned
            }
        }
    }

    /// PostgreSQL checkpoints on its own.
    public func checkpoint() throws(StoreError) -> Bool { true }

    public var size: StateSize {
        get throws(StoreError) {
            let rows = try run("measure the state") { db throws(PGError) in
                try db.execute("""
                    SELECT (SELECT COUNT(*) FROM feeds), (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM deliveries),
                        (SELECT COUNT(*) FROM fingerprints), (SELECT COUNT(*) FROM simhashes), (SELECT COUNT(*) FROM pending_pages),
                        pg_database_size(current_database())
                    """)
            }
            return StateSize(
                feeds: rows.int(0, 0) ?? 0, items: rows.int(0, 1) ?? 0, deliveries: rows.int(0, 2) ?? 0, fingerprints: rows.int(0, 3) ?? 0,
                simhashes: rows.int(0, 4) ?? 0, pendingPages: rows.int(0, 5) ?? 0, bytes: rows.int(0, 6) ?? 0)
        }
    }

    public func inTransaction(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        try run("begin a transaction") { db throws(PGError) in try db.execute("BEGIN") }
        do {
            try body()
        } catch {
            _ = try? run("roll back") { db throws(PGError) in try db.execute("ROLLBACK") }
            throw error
        }
        try run("commit a transaction") { db throws(PGError) in try db.execute("COMMIT") }
    }
}

import FeedStore

// Items waiting for their page, as `StateStore+Pages` keeps them on one machine.

extension PostgresState {
    static let pendingColumns = """
        feed_id, identity, article_id, content, is_update, link, guid, title, date, published, published_offset, body, teaser,
        first_seen, deadline, next_attempt, attempts, last_error
        """

    /// An item already waiting keeps its first record (and its deadline). It is this
    /// node's to fetch and deliver (`lease_node`), until a live node adopts it from a dead
    /// one (`ClusterNode.adoptOrphanedPages`).
    func insertPending(_ db: PGConnection, _ p: PendingPage) throws(PGError) {
        try db.execute("""
            INSERT INTO pending_pages(\(Self.pendingColumns), lease_node)
            VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            ON CONFLICT DO NOTHING
            """, .int(p.feedID), .int(p.identity), .text(p.articleID), .int(p.content), .bool(p.isUpdate), .text(p.link), .of(p.guid),
            .text(p.title), .text(p.date), .of(p.published), .of(p.publishedOffset), .text(p.body), .text(p.teaser), .int(p.firstSeen),
            .int(p.deadline), .int(p.nextAttempt), .int(Int64(p.attempts)), .of(p.lastError), .text(node))
    }

    public func pendingPage(feedID: Int64, identity: Int64) throws(StoreError) -> PendingPage? {
        let r = try run("read a waiting item of feed \(feedID)") { db throws(PGError) in
            try db.execute("SELECT \(Self.pendingColumns) FROM pending_pages WHERE feed_id = $1 AND identity = $2", .int(feedID), .int(identity))
        }
        guard !r.isEmpty else { return nil }
        return PendingPage(
            feedID: r.int(0, 0) ?? 0, identity: r.int(0, 1) ?? 0, articleID: r.text(0, 2) ?? "", content: r.int(0, 3) ?? 0,
            isUpdate: r.bool(0, 4) ?? false, link: r.text(0, 5) ?? "", guid: r.text(0, 6), title: r.text(0, 7) ?? "", date: r.text(0, 8) ?? "",
            published: r.int(0, 9), publishedOffset: r.int(0, 10).map { Int($0) }, body: r.text(0, 11) ?? "", teaser: r.text(0, 12) ?? "",
            firstSeen: r.int(0, 13) ?? 0, deadline: r.int(0, 14) ?? 0, nextAttempt: r.int(0, 15) ?? 0, attempts: Int(r.int(0, 16) ?? 0),
            lastError: r.text(0, 17))
    }

    /// This node's waiting items (each is one node's: see `insertPending`).
    public func pageTickets() throws(StoreError) -> [PageTicket] {
        let r = try run("list the waiting items") { db throws(PGError) in
            try db.execute("""
                SELECT feed_id, identity, link, deadline, next_attempt, attempts, last_error FROM pending_pages
                WHERE lease_node = $1 ORDER BY first_seen, feed_id, identity
                """, .text(node))
        }
        return (0..<r.count).map { i in
            PageTicket(
                feedID: r.int(i, 0) ?? 0, identity: r.int(i, 1) ?? 0, link: r.text(i, 2) ?? "", deadline: r.int(i, 3) ?? 0,
                nextAttempt: r.int(i, 4) ?? 0, attempts: Int(r.int(i, 5) ?? 0), lastError: r.text(i, 6))
        }
    }

    public func recordPageAttempt(_ t: PageTicket) throws(StoreError) {
        try run("record a page attempt") { db throws(PGError) in
            try db.execute(
                "UPDATE pending_pages SET next_attempt = $1, attempts = $2, last_error = $3 WHERE feed_id = $4 AND identity = $5",
                .int(t.nextAttempt), .int(Int64(t.attempts)), .of(t.lastError), .int(t.feedID), .int(t.identity))
        }
    }

    public var pendingPageCount: Int64 {
        get throws(StoreError) {
            try run("count the waiting items") { db throws(PGError) in try db.execute("SELECT COUNT(*) FROM pending_pages").int(0, 0) ?? 0 }
        }
    }
}

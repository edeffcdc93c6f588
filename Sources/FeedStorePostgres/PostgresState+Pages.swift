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
    func insertPending(_ db: PGConnection, _ page: PendingPage) throws(PGError) {
        try db.execute("""
            INSERT INTO pending_pages(\(Self.pendingColumns), lease_node)
            VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
            ON CONFLICT DO NOTHING
            """, .int(page.feedID), .int(page.identity), .text(page.articleID), .int(page.content), .bool(page.isUpdate), .text(page.link), .of(page.guid),
            .text(page.title), .text(page.date), .of(page.published), .of(page.publishedOffset), .text(page.body), .text(page.teaser), .int(page.firstSeen),
            .int(page.deadline), .int(page.nextAttempt), .int(Int64(page.attempts)), .of(page.lastError), .text(node))
    }

    public func pendingPage(feedID: Int64, identity: Int64) throws(StoreError) -> PendingPage? {
        let rows = try run("read a waiting item of feed \(feedID)") { db throws(PGError) in
            try db.execute("SELECT \(Self.pendingColumns) FROM pending_pages WHERE feed_id = $1 AND identity = $2", .int(feedID), .int(identity))
        }
        guard !rows.isEmpty else { return nil }
        return PendingPage(
            feedID: rows.int(0, 0) ?? 0, identity: rows.int(0, 1) ?? 0, articleID: rows.text(0, 2) ?? "", content: rows.int(0, 3) ?? 0,
            isUpdate: rows.bool(0, 4) ?? false, link: rows.text(0, 5) ?? "", guid: rows.text(0, 6), title: rows.text(0, 7) ?? "", date: rows.text(0, 8) ?? "",
            published: rows.int(0, 9), publishedOffset: rows.int(0, 10).map { Int($0) }, body: rows.text(0, 11) ?? "", teaser: rows.text(0, 12) ?? "",
            firstSeen: rows.int(0, 13) ?? 0, deadline: rows.int(0, 14) ?? 0, nextAttempt: rows.int(0, 15) ?? 0, attempts: Int(rows.int(0, 16) ?? 0),
            lastError: rows.text(0, 17))
    }

    /// This node's waiting items (each is one node's: see `insertPending`).
    public func pageTickets() throws(StoreError) -> [PageTicket] {
        let rows = try run("list the waiting items") { db throws(PGError) in
            try db.execute("""
                SELECT feed_id, identity, link, deadline, next_attempt, attempts, last_error FROM pending_pages
                WHERE lease_node = $1 ORDER BY first_seen, feed_id, identity
                """, .text(node))
        }
        return (0..<rows.count).map { row in
            PageTicket(
                feedID: rows.int(row, 0) ?? 0, identity: rows.int(row, 1) ?? 0, link: rows.text(row, 2) ?? "", deadline: rows.int(row, 3) ?? 0,
                nextAttempt: rows.int(row, 4) ?? 0, attempts: Int(rows.int(row, 5) ?? 0), lastError: rows.text(row, 6))
        }
    }

    public func recordPageAttempt(_ ticket: PageTicket) throws(StoreError) {
        try run("record a page attempt") { db throws(PGError) in
            try db.execute(
                "UPDATE pending_pages SET next_attempt = $1, attempts = $2, last_error = $3 WHERE feed_id = $4 AND identity = $5",
                .int(ticket.nextAttempt), .int(Int64(ticket.attempts)), .of(ticket.lastError), .int(ticket.feedID), .int(ticket.identity))
        }
    }

    public var pendingPageCount: Int64 {
        get throws(StoreError) {
            try run("count the waiting items") { db throws(PGError) in try db.execute("SELECT COUNT(*) FROM pending_pages").int(0, 0) ?? 0 }
        }
    }
}

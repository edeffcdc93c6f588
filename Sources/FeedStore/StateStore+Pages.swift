// Items waiting for their page (full text): recorded by the poll that found them (in its
// commit), read back at start and when their page comes, removed by the commit that
// delivers them.

extension StateStore {
    static let pendingColumns = """
        feed_id, identity, article_id, content, is_update, link, guid, title, date, published, published_offset, body, teaser,
        first_seen, deadline, next_attempt, attempts, last_error
        """

    func insertPending(_ pages: [PendingPage]) throws(StoreError) {
        guard !pages.isEmpty else { return }
        // OR IGNORE: an item already waiting keeps its first record (and its deadline).
        let statement = try db.statement("INSERT OR IGNORE INTO pending_pages(\(Self.pendingColumns)) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for page in pages {
            statement.reset()
            statement.bind(
                .int(page.feedID), .int(page.identity), .text(page.articleID), .int(page.content), .int(page.isUpdate ? 1 : 0), .text(page.link), .of(page.guid),
                .text(page.title), .text(page.date), .of(page.published), .of(page.publishedOffset), .text(page.body), .text(page.teaser), .int(page.firstSeen),
                .int(page.deadline), .int(page.nextAttempt), .int(Int64(page.attempts)), .of(page.lastError))
            try statement.run()
        }
    }

    func deletePending(feedID: Int64, identities: [Int64]) throws(StoreError) {
        guard !identities.isEmpty else { return }
        let statement = try db.statement("DELETE FROM pending_pages WHERE feed_id = ? AND identity = ?")
        for identity in identities {
            statement.reset()
            try statement.bind(.int(feedID), .int(identity)).run()
        }
    }

    private func readPending(_ statement: Statement) -> PendingPage {
        PendingPage(
            feedID: statement.int(0), identity: statement.int(1), articleID: statement.text(2) ?? "", content: statement.int(3), isUpdate: statement.int(4) != 0, link: statement.text(5) ?? "",
            guid: statement.text(6), title: statement.text(7) ?? "", date: statement.text(8) ?? "", published: statement.optionalInt(9), publishedOffset: statement.optionalInt(10).map { Int($0) },
            body: statement.text(11) ?? "", teaser: statement.text(12) ?? "", firstSeen: statement.int(13), deadline: statement.int(14), nextAttempt: statement.int(15),
            attempts: Int(statement.int(16)), lastError: statement.text(17))
    }

    /// The whole record of one waiting item.
    public func pendingPage(feedID: Int64, identity: Int64) throws(StoreError) -> PendingPage? {
        let statement = try db.statement("SELECT \(Self.pendingColumns) FROM pending_pages WHERE feed_id = ? AND identity = ?").bind(.int(feedID), .int(identity))
        return try statement.row { row in readPending(row) }
    }

    /// Every waiting item's ticket, oldest first (the scheduler's queue after a start).
    public func pageTickets() throws(StoreError) -> [PageTicket] {
        let statement = try db.statement("SELECT feed_id, identity, link, deadline, next_attempt, attempts, last_error FROM pending_pages ORDER BY first_seen, feed_id, identity")
        var out: [PageTicket] = []
        while try statement.step() {
            out.append(PageTicket(feedID: statement.int(0), identity: statement.int(1), link: statement.text(2) ?? "", deadline: statement.int(3), nextAttempt: statement.int(4), attempts: Int(statement.int(5)), lastError: statement.text(6)))
        }
        return out
    }

    /// Records a failed attempt: when to try again and why it failed.
    public func recordPageAttempt(_ ticket: PageTicket) throws(StoreError) {
        try db.statement("UPDATE pending_pages SET next_attempt = ?, attempts = ?, last_error = ? WHERE feed_id = ? AND identity = ?")
            .bind(.int(ticket.nextAttempt), .int(Int64(ticket.attempts)), .of(ticket.lastError), .int(ticket.feedID), .int(ticket.identity)).run()
    }

    /// How many items wait for their page.
    public var pendingPageCount: Int64 {
        get throws(StoreError) {
            try db.statement("SELECT COUNT(*) FROM pending_pages").row { row in row.int(0) } ?? 0
        }
    }
}

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
        let s = try db.statement("INSERT OR IGNORE INTO pending_pages(\(Self.pendingColumns)) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for p in pages {
            s.reset()
            s.bind(
                .int(p.feedID), .int(p.identity), .text(p.articleID), .int(p.content), .int(p.isUpdate ? 1 : 0), .text(p.link), .of(p.guid),
                .text(p.title), .text(p.date), .of(p.published), .of(p.publishedOffset), .text(p.body), .text(p.teaser), .int(p.firstSeen),
                .int(p.deadline), .int(p.nextAttempt), .int(Int64(p.attempts)), .of(p.lastError))
            try s.run()
        }
    }

    func deletePending(feedID: Int64, identities: [Int64]) throws(StoreError) {
        guard !identities.isEmpty else { return }
        let s = try db.statement("DELETE FROM pending_pages WHERE feed_id = ? AND identity = ?")
        for identity in identities {
            s.reset()
            try s.bind(.int(feedID), .int(identity)).run()
        }
    }

    private func readPending(_ s: Statement) -> PendingPage {
        PendingPage(
            feedID: s.int(0), identity: s.int(1), articleID: s.text(2) ?? "", content: s.int(3), isUpdate: s.int(4) != 0, link: s.text(5) ?? "",
            guid: s.text(6), title: s.text(7) ?? "", date: s.text(8) ?? "", published: s.optionalInt(9), publishedOffset: s.optionalInt(10).map { Int($0) },
            body: s.text(11) ?? "", teaser: s.text(12) ?? "", firstSeen: s.int(13), deadline: s.int(14), nextAttempt: s.int(15),
            attempts: Int(s.int(16)), lastError: s.text(17))
    }

    /// The whole record of one waiting item.
    public func pendingPage(feedID: Int64, identity: Int64) throws(StoreError) -> PendingPage? {
        let s = try db.statement("SELECT \(Self.pendingColumns) FROM pending_pages WHERE feed_id = ? AND identity = ?").bind(.int(feedID), .int(identity))
        return try s.row { s in readPending(s) }
    }

    /// Every waiting item's ticket, oldest first (the scheduler's queue after a start).
    public func pageTickets() throws(StoreError) -> [PageTicket] {
        let s = try db.statement("SELECT feed_id, identity, link, deadline, next_attempt, attempts, last_error FROM pending_pages ORDER BY first_seen, feed_id, identity")
        var out: [PageTicket] = []
        while try s.step() {
            out.append(PageTicket(feedID: s.int(0), identity: s.int(1), link: s.text(2) ?? "", deadline: s.int(3), nextAttempt: s.int(4), attempts: Int(s.int(5)), lastError: s.text(6)))
        }
        return out
    }

    /// Records a failed attempt: when to try again and why it failed.
    public func recordPageAttempt(_ t: PageTicket) throws(StoreError) {
        try db.statement("UPDATE pending_pages SET next_attempt = ?, attempts = ?, last_error = ? WHERE feed_id = ? AND identity = ?")
            .bind(.int(t.nextAttempt), .int(Int64(t.attempts)), .of(t.lastError), .int(t.feedID), .int(t.identity)).run()
    }

    /// How many items wait for their page.
    public var pendingPageCount: Int64 {
        get throws(StoreError) {
            try db.statement("SELECT COUNT(*) FROM pending_pages").row { s in s.int(0) } ?? 0
        }
    }
}

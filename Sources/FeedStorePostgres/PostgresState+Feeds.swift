import FeedStore

// The feeds' rows in the cluster: validators, schedule, health and counters, shared by
// every node.
extension PostgresState {
    static let feedColumns = "id, key, url, name, title, etag, last_modified, added, last_fetch, last_success, last_status, failure_streak, last_error, last_error_stage, next_due, due_reason, retired, delivered, duplicates, pages_tried, pages_used"

    static func feeds(_ r: PGRows) -> [FeedRecord] {
        (0..<r.count).map { i in
            FeedRecord(
                id: r.int(i, 0) ?? 0, key: r.text(i, 1) ?? "", url: r.text(i, 2) ?? "", name: r.text(i, 3), title: r.text(i, 4),
                etag: r.text(i, 5), lastModified: r.text(i, 6), added: r.int(i, 7) ?? 0, lastFetch: r.int(i, 8),
                lastSuccess: r.int(i, 9), lastStatus: r.int(i, 10).map { Int($0) }, failureStreak: Int(r.int(i, 11) ?? 0),
                lastError: r.text(i, 12), lastErrorStage: r.text(i, 13), nextDue: r.int(i, 14), dueReason: r.text(i, 15),
                retired: r.bool(i, 16) ?? false, delivered: r.int(i, 17) ?? 0, duplicates: r.int(i, 18) ?? 0,
                pagesTried: r.int(i, 19) ?? 0, pagesUsed: r.int(i, 20) ?? 0)
        }
    }

    public func feed(key: String) throws(StoreError) -> FeedRecord? {
        try run("read the feed \(key)") { db throws(PGError) in
            Self.feeds(try db.execute("SELECT \(Self.feedColumns) FROM feeds WHERE key = $1", .text(key))).first
        }
    }

    public func feed(id: Int64) throws(StoreError) -> FeedRecord? {
        try run("read feed \(id)") { db throws(PGError) in
            Self.feeds(try db.execute("SELECT \(Self.feedColumns) FROM feeds WHERE id = $1", .int(id))).first
        }
    }

    public func allFeeds() throws(StoreError) -> [FeedRecord] {
        try run("list the feeds") { db throws(PGError) in
            Self.feeds(try db.execute("SELECT \(Self.feedColumns) FROM feeds ORDER BY id"))
        }
    }

    /// The feed with this key, created on first sight. A feed the cluster knows is only
    /// read (its name written when it changed): rewriting every row at each start would lock
    /// them all while other nodes claim and commit.
    public func ensureFeed(key: String, name: String?, now: Int64) throws(StoreError) -> FeedRecord {
        if var known = try feed(key: key) {
            if known.name != name {
                try run("rename the feed \(key)") { db throws(PGError) in
                    try db.execute("UPDATE feeds SET name = $1 WHERE id = $2", .of(name), .int(known.id))
                }
                known.name = name
            }
            return known
        }
        let rows = try run("record the feed \(key)") { db throws(PGError) in
            try db.execute("""
                INSERT INTO feeds(key, url, name, added) VALUES($1, $1, $2, $3)
                ON CONFLICT(key) DO UPDATE SET name = excluded.name
                RETURNING \(Self.feedColumns)
                """, .text(key), .of(name), .int(now))
        }
        guard let f = Self.feeds(rows).first else { throw StoreError(message: "\(place): the new feed \(key) was not stored", unreachable: false) }
        return f
    }

    public func setRetired(feedID: Int64, _ retired: Bool) throws(StoreError) {
        try run("retire feed \(feedID)") { db throws(PGError) in
            try db.execute("UPDATE feeds SET retired = $1 WHERE id = $2", .bool(retired), .int(feedID))
        }
    }

    /// One statement: the fetch's record, the next due time, and the end of this node's
    /// lease (a poll costs the database one row version, not four). A feed another node
    /// holds a valid lease on now is left to that node (this node's lease ran out while it
    /// polled): it is only read back.
    public func finishPoll(feedID: Int64, _ r: PollRecord) throws(StoreError) -> FeedRecord {
        let rows = try run("record the poll of feed \(feedID)") { db throws(PGError) -> PGRows in
            let written = try db.execute("""
                UPDATE feeds SET last_fetch = $1, last_status = $2,
                    last_success = CASE WHEN $3 THEN last_success ELSE $1 END,
                    failure_streak = CASE WHEN $3 THEN failure_streak + 1 ELSE 0 END,
                    last_error = $4, last_error_stage = $5, url = COALESCE($6, url), retired = COALESCE($7, retired),
                    next_due = $8, due_reason = $9,
                    lease_node = CASE WHEN lease_node = $10 THEN NULL ELSE lease_node END,
                    lease_until = CASE WHEN lease_node = $10 THEN NULL ELSE lease_until END
                WHERE id = $11 AND (lease_node IS NULL OR lease_node = $10 OR lease_until < \(FeedLeases.now))
                RETURNING \(Self.feedColumns)
                """, .int(r.now), .of(r.status), .bool(r.errorStage != nil), .of(r.errorMessage), .of(r.errorStage), .of(r.newURL),
                r.retired.map(PGValue.bool) ?? .null, .of(r.nextDue), .of(r.dueReason), .text(node), .int(feedID))
            if !written.isEmpty { return written }
            return try db.execute("SELECT \(Self.feedColumns) FROM feeds WHERE id = $1", .int(feedID))
        }
        guard let f = Self.feeds(rows).first else { throw StoreError(message: "\(place): feed \(feedID) is not in the cluster state", unreachable: false) }
        return f
    }
}

import FeedStore

// The feeds' rows in the cluster: validators, schedule, health and counters, shared by
// every node.
extension PostgresState {
    static let feedColumns = "id, key, url, name, title, etag, last_modified, added, last_fetch, last_success, last_status, failure_streak, last_error, last_error_stage, next_due, due_reason, retired, delivered, duplicates, pages_tried, pages_used"

    static func feeds(_ rows: PGRows) -> [FeedRecord] {
        (0..<rows.count).map { row in
            FeedRecord(
                id: rows.int(row, 0) ?? 0, key: rows.text(row, 1) ?? "", url: rows.text(row, 2) ?? "", name: rows.text(row, 3), title: rows.text(row, 4),
                etag: rows.text(row, 5), lastModified: rows.text(row, 6), added: rows.int(row, 7) ?? 0, lastFetch: rows.int(row, 8),
                lastSuccess: rows.int(row, 9), lastStatus: rows.int(row, 10).map { Int($0) }, failureStreak: Int(rows.int(row, 11) ?? 0),
                lastError: rows.text(row, 12), lastErrorStage: rows.text(row, 13), nextDue: rows.int(row, 14), dueReason: rows.text(row, 15),
                retired: rows.bool(row, 16) ?? false, delivered: rows.int(row, 17) ?? 0, duplicates: rows.int(row, 18) ?? 0,
                pagesTried: rows.int(row, 19) ?? 0, pagesUsed: rows.int(row, 20) ?? 0)
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
        guard let record = Self.feeds(rows).first else { throw StoreError(message: "\(place): the new feed \(key) was not stored", unreachable: false) }
        return record
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
    public func finishPoll(feedID: Int64, _ poll: PollRecord) throws(StoreError) -> FeedRecord {
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
                """, .int(poll.now), .of(poll.status), .bool(poll.errorStage != nil), .of(poll.errorMessage), .of(poll.errorStage), .of(poll.newURL),
                poll.retired.map(PGValue.bool) ?? .null, .of(poll.nextDue), .of(poll.dueReason), .text(node), .int(feedID))
            if !written.isEmpty { return written }
            return try db.execute("SELECT \(Self.feedColumns) FROM feeds WHERE id = $1", .int(feedID))
        }
        guard let record = Self.feeds(rows).first else { throw StoreError(message: "\(place): feed \(feedID) is not in the cluster state", unreachable: false) }
        return record
    }
}

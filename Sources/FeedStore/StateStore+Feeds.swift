// The feeds' rows: one per configured feed, its validators, schedule, health and counters.
extension StateStore {
    static let feedColumns = "id, key, url, name, title, etag, last_modified, added, last_fetch, last_success, last_status, failure_streak, last_error, last_error_stage, next_due, due_reason, retired, delivered, duplicates, pages_tried, pages_used"

    fileprivate func readFeed(_ statement: Statement) -> FeedRecord {
        FeedRecord(
            id: statement.int(0), key: statement.text(1) ?? "", url: statement.text(2) ?? "", name: statement.text(3), title: statement.text(4),
            etag: statement.text(5), lastModified: statement.text(6), added: statement.int(7), lastFetch: statement.optionalInt(8),
            lastSuccess: statement.optionalInt(9), lastStatus: statement.optionalInt(10).map { Int($0) },
            failureStreak: Int(statement.int(11)), lastError: statement.text(12), lastErrorStage: statement.text(13),
            nextDue: statement.optionalInt(14), dueReason: statement.text(15), retired: statement.int(16) != 0,
            delivered: statement.int(17), duplicates: statement.int(18), pagesTried: statement.int(19), pagesUsed: statement.int(20))
    }

    public func feed(key: String) throws(StoreError) -> FeedRecord? {
        let statement = try db.statement("SELECT \(Self.feedColumns) FROM feeds WHERE key = ?").bind(.text(key))
        return try statement.row { row in readFeed(row) }
    }

    public func feed(id: Int64) throws(StoreError) -> FeedRecord? {
        let statement = try db.statement("SELECT \(Self.feedColumns) FROM feeds WHERE id = ?").bind(.int(id))
        return try statement.row { row in readFeed(row) }
    }

    public func allFeeds() throws(StoreError) -> [FeedRecord] {
        let statement = try db.statement("SELECT \(Self.feedColumns) FROM feeds ORDER BY id")
        var out: [FeedRecord] = []
        while try statement.step() { out.append(readFeed(statement)) }
        return out
    }

    /// The feed with this key, created on first sight.
    public func ensureFeed(key: String, name: String?, now: Int64) throws(StoreError) -> FeedRecord {
        if var record = try feed(key: key) {
            if record.name != name {
                try db.statement("UPDATE feeds SET name = ? WHERE id = ?").bind(.of(name), .int(record.id)).run()
                record.name = name
            }
            return record
        }
        try db.statement("INSERT INTO feeds(key, url, name, added) VALUES(?, ?, ?, ?)")
            .bind(.text(key), .text(key), .of(name), .int(now)).run()
        guard let record = try feed(key: key) else { throw StoreError("\(path): the new feed \(key) was not stored") }
        return record
    }

    /// The fetch's outcome and the feed's next due time in one transaction (one sync).
    public func finishPoll(feedID: Int64, _ poll: PollRecord) throws(StoreError) -> FeedRecord {
        try db.transaction { () throws(StoreError) in
            if let error = poll.error {
                try db.statement("UPDATE feeds SET last_fetch = ?, last_status = ?, failure_streak = failure_streak + 1, last_error = ?, last_error_stage = ? WHERE id = ?")
                    .bind(.int(poll.now), .of(poll.status), .text(error.message), .text(error.stage), .int(feedID)).run()
            } else {
                try db.statement("UPDATE feeds SET last_fetch = ?, last_success = ?, last_status = ?, failure_streak = 0, last_error = NULL, last_error_stage = NULL WHERE id = ?")
                    .bind(.int(poll.now), .int(poll.now), .of(poll.status), .int(feedID)).run()
            }
            if let newURL = poll.newURL {
                try db.statement("UPDATE feeds SET url = ? WHERE id = ?").bind(.text(newURL), .int(feedID)).run()
            }
            if let retired = poll.retired { try setRetired(feedID: feedID, retired) }
            try db.statement("UPDATE feeds SET next_due = ?, due_reason = ? WHERE id = ?").bind(.of(poll.nextDue), .of(poll.dueReason), .int(feedID)).run()
        }
        guard let record = try feed(id: feedID) else { throw StoreError("\(path): feed \(feedID) is not in the state") }
        return record
    }

    /// Retires a feed (410 Gone) or revives it; nothing else about it changes.
    public func setRetired(feedID: Int64, _ retired: Bool) throws(StoreError) {
        try db.statement("UPDATE feeds SET retired = ? WHERE id = ?").bind(.int(retired ? 1 : 0), .int(feedID)).run()
    }
}

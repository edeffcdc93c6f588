// The feeds' rows: one per configured feed, its validators, schedule, health and counters.
extension StateStore {
    static let feedColumns = "id, key, url, name, title, etag, last_modified, added, last_fetch, last_success, last_status, failure_streak, last_error, last_error_stage, next_due, due_reason, retired, delivered, duplicates, pages_tried, pages_used"

    fileprivate func readFeed(_ s: Statement) -> FeedRecord {
        FeedRecord(
            id: s.int(0), key: s.text(1) ?? "", url: s.text(2) ?? "", name: s.text(3), title: s.text(4),
            etag: s.text(5), lastModified: s.text(6), added: s.int(7), lastFetch: s.optionalInt(8),
            lastSuccess: s.optionalInt(9), lastStatus: s.optionalInt(10).map { Int($0) },
            failureStreak: Int(s.int(11)), lastError: s.text(12), lastErrorStage: s.text(13),
            nextDue: s.optionalInt(14), dueReason: s.text(15), retired: s.int(16) != 0,
            delivered: s.int(17), duplicates: s.int(18), pagesTried: s.int(19), pagesUsed: s.int(20))
    }

    public func feed(key: String) throws(StoreError) -> FeedRecord? {
        let s = try db.statement("SELECT \(Self.feedColumns) FROM feeds WHERE key = ?").bind(.text(key))
        return try s.row { s in readFeed(s) }
    }

    public func feed(id: Int64) throws(StoreError) -> FeedRecord? {
        let s = try db.statement("SELECT \(Self.feedColumns) FROM feeds WHERE id = ?").bind(.int(id))
        return try s.row { s in readFeed(s) }
    }

    public func allFeeds() throws(StoreError) -> [FeedRecord] {
        let s = try db.statement("SELECT \(Self.feedColumns) FROM feeds ORDER BY id")
        var out: [FeedRecord] = []
        while try s.step() { out.append(readFeed(s)) }
        return out
    }

    /// The feed with this key, created on first sight.
    public func ensureFeed(key: String, name: String?, now: Int64) throws(StoreError) -> FeedRecord {
        if var f = try feed(key: key) {
            if f.name != name {
                try db.statement("UPDATE feeds SET name = ? WHERE id = ?").bind(.of(name), .int(f.id)).run()
                f.name = name
            }
            return f
        }
        try db.statement("INSERT INTO feeds(key, url, name, added) VALUES(?, ?, ?, ?)")
            .bind(.text(key), .text(key), .of(name), .int(now)).run()
        guard let f = try feed(key: key) else { throw StoreError("\(path): the new feed \(key) was not stored") }
        return f
    }

    /// The fetch's outcome and the feed's next due time in one transaction (one sync).
    public func finishPoll(feedID: Int64, _ r: PollRecord) throws(StoreError) -> FeedRecord {
        try db.transaction { () throws(StoreError) in
            if let error = r.error {
                try db.statement("UPDATE feeds SET last_fetch = ?, last_status = ?, failure_streak = failure_streak + 1, last_error = ?, last_error_stage = ? WHERE id = ?")
                    .bind(.int(r.now), .of(r.status), .text(error.message), .text(error.stage), .int(feedID)).run()
            } else {
                try db.statement("UPDATE feeds SET last_fetch = ?, last_success = ?, last_status = ?, failure_streak = 0, last_error = NULL, last_error_stage = NULL WHERE id = ?")
                    .bind(.int(r.now), .int(r.now), .of(r.status), .int(feedID)).run()
            }
            if let newURL = r.newURL {
                try db.statement("UPDATE feeds SET url = ? WHERE id = ?").bind(.text(newURL), .int(feedID)).run()
            }
            if let retired = r.retired { try setRetired(feedID: feedID, retired) }
            try db.statement("UPDATE feeds SET next_due = ?, due_reason = ? WHERE id = ?").bind(.of(r.nextDue), .of(r.dueReason), .int(feedID)).run()
        }
        guard let f = try feed(id: feedID) else { throw StoreError("\(path): feed \(feedID) is not in the state") }
        return f
    }

    /// Retires a feed (410 Gone) or revives it; nothing else about it changes.
    public func setRetired(feedID: Int64, _ retired: Bool) throws(StoreError) {
        try db.statement("UPDATE feeds SET retired = ? WHERE id = ?").bind(.int(retired ? 1 : 0), .int(feedID)).run()
    }
}

import CSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's persistent state: one SQLite database in WAL mode, `synchronous=FULL`
/// (a commit is durable when it returns: the delivery protocol depends on it).
/// Single writer; not thread-safe (owned by one actor).
public final class StateStore: StateBackend {
    let db: SQLiteDatabase
    public let path: String
    /// The width `<seq>` is zero-padded to in spool file names; fixed when the state is
    /// created, so that `ls` order stays delivery order.
    public let sequenceWidth: Int
    public private(set) var nextSequence: Int64

    /// Opens (creating and migrating when needed) `directory/state.sqlite`.
    public init(directory: String, readOnly: Bool = false) throws(StoreError) {
        path = directory + "/state.sqlite"
        db = try SQLiteDatabase(path: path, readOnly: readOnly)
        if !readOnly {
            try db.execute("PRAGMA journal_mode=WAL")
            try db.execute("PRAGMA synchronous=FULL")
            try Self.migrate(db)
        }
        let width = try db.statement("SELECT value FROM meta WHERE key = 'seq_width'")
        sequenceWidth = try width.row { width in Int(width.text(0) ?? "") ?? 9 } ?? 9
        let statement = try db.statement("SELECT COALESCE(MAX(seq) + 1, 0) FROM deliveries")
        nextSequence = try statement.row { row in row.int(0) } ?? 0
        let found = try db.statement("SELECT 1 FROM deliveries WHERE feed_id = 0 LIMIT 1")
        hasFilesFoundInSpool = try found.row { _ in () } != nil
    }

    /// The near window's SimHashes by band, once a lookup needed them.
    private var nearIndex: NearIndex?

    /// Whether `recordFoundInSpool` ever recorded anything: almost never, so the per-item
    /// check it calls for is skipped without a query.
    private var hasFilesFoundInSpool: Bool

    static func migrate(_ db: SQLiteDatabase) throws(StoreError) {
        let statement = try db.statement("PRAGMA user_version")
        let version = try statement.row { row in Int(row.int(0)) } ?? 0
        guard version <= Schema.migrations.count else {
            throw StoreError("\(db.path): the state was written by a newer feedspool (schema \(version), this one knows \(Schema.migrations.count))")
        }
        for step in version..<Schema.migrations.count {
            try db.transaction { () throws(StoreError) in
                try db.execute(Schema.migrations[step])
                if step == 0 { try db.execute("INSERT INTO meta(key, value) VALUES('seq_width', '9')") }
                try db.execute("PRAGMA user_version = \(step + 1)")
            }
        }
    }

    /// Reserves `count` sequence numbers.
    public var place: String { path }

    public func reserveSequences(_ count: Int) -> Range<Int64> {
        let range = nextSequence..<(nextSequence + Int64(count))
        nextSequence = range.upperBound
        return range
    }

    /// Gives back numbers reserved for a batch that was not recorded.
    public func releaseSequences(from first: Int64) {
        if first < nextSequence { nextSequence = first }
    }

    // MARK: Items and duplicates

    public func seen(feedID: Int64, identity: Int64) throws(StoreError) -> SeenItem? {
        let statement = try db.statement("SELECT content, seq, outcome, related_seq, distance FROM items WHERE feed_id = ? AND identity = ?")
            .bind(.int(feedID), .int(identity))
        return try statement.row { row in
            SeenItem(content: row.int(0), seq: row.optionalInt(1), decision: ItemDecision(code: row.int(2), relatedSeq: row.optionalInt(3), distance: row.optionalInt(4)))
        }
    }

    /// True before the first poll of a feed recorded anything.
    public func hasNoItems(feedID: Int64) throws(StoreError) -> Bool {
        let statement = try db.statement("SELECT 1 FROM items WHERE feed_id = ? LIMIT 1").bind(.int(feedID))
        return try statement.row { _ in () } == nil
    }

    /// The delivery whose exact fingerprint this is, if any.
    public func fingerprintOwner(_ fingerprint: Int64) throws(StoreError) -> Int64? {
        let statement = try db.statement("SELECT seq FROM fingerprints WHERE fingerprint = ?").bind(.int(fingerprint))
        return try statement.row { row in row.int(0) }
    }

    /// The closest earlier delivery within `threshold` bits of SimHash, if any.
    public func nearestSimHash(_ hash: UInt64, threshold: Int) throws(StoreError) -> (seq: Int64, distance: Int)? {
        try loadedNearIndex().nearest(hash, threshold: threshold)
    }

    /// The near window's SimHashes, read from `simhashes` on the first lookup (a reader
    /// such as `show` never pays for it); commits and pruning keep it in step after that.
    private func loadedNearIndex() throws(StoreError) -> NearIndex {
        if let nearIndex { return nearIndex }
        var index = NearIndex()
        let statement = try db.statement("SELECT simhash, seq, seen FROM simhashes ORDER BY seq")
        while try statement.step() {
            index.add(simhash: UInt64(bitPattern: statement.int(0)), seq: statement.int(1), seen: statement.int(2))
        }
        nearIndex = index
        return index
    }

    // MARK: Delivery protocol

    /// Records one poll's outcome in one transaction. Intents are stored as not yet
    /// delivered; `markDelivered` completes them once their files are in the spool.
    @discardableResult
    public func commit(_ poll: PollCommit) throws(StoreError) -> CommitResult {
        // One writer: nobody else can have claimed a fingerprint since ingest looked.
        try db.transaction { () throws(StoreError) in
            let insert = try db.statement("""
                INSERT INTO deliveries(seq, state, article_id, file, feed_id, feed_url, link, guid, title, published, published_offset, first_seen, decision, fingerprint, simhash, text_source, text_note)
                VALUES(?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for intent in poll.intents {
                insert.reset()
                insert.bind(.int(intent.seq), .text(intent.articleID), .text(intent.file), .int(intent.feedID), .text(intent.feedURL), .of(intent.link), .of(intent.guid), .text(intent.title),
                    .of(intent.published), .of(intent.publishedOffset), .int(intent.firstSeen), .text(intent.decision.rawValue), .int(intent.fingerprint), .of(intent.simhash),
                    .of(intent.textSource?.name), .of(intent.textSource?.note))
                try insert.run()
                try db.statement("INSERT OR IGNORE INTO fingerprints(fingerprint, seq, seen) VALUES(?, ?, ?)").bind(.int(intent.fingerprint), .int(intent.seq), .int(poll.now)).run()
                if let simhash = intent.simhash {
                    try db.statement("INSERT INTO simhashes(seq, simhash, seen) VALUES(?, ?, ?)").bind(.int(intent.seq), .int(simhash), .int(poll.now)).run()
                }
            }
            let upsert = try db.statement("""
                INSERT INTO items(feed_id, identity, content, first_seen, last_seen, seq, outcome, related_seq, distance)
                VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(feed_id, identity) DO UPDATE SET content = excluded.content, last_seen = excluded.last_seen,
                    seq = COALESCE(excluded.seq, items.seq), outcome = excluded.outcome, related_seq = excluded.related_seq,
                    distance = excluded.distance
                """)
            for item in poll.items {
                upsert.reset()
                let decision = item.decision.stored
                try upsert.bind(.int(poll.feedID), .int(item.identity), .int(item.content), .int(poll.now), .int(poll.now), .of(item.seq), .int(decision.code), .of(decision.relatedSeq), .of(decision.distance)).run()
            }
            let touch = try db.statement("UPDATE items SET last_seen = ? WHERE feed_id = ? AND identity = ?")
            for id in poll.present {
                touch.reset()
                try touch.bind(.int(poll.now), .int(poll.feedID), .int(id)).run()
            }
            try insertPending(poll.pending)
            try deletePending(feedID: poll.feedID, identities: poll.resolved)
            if poll.isPoll {
                try db.statement("UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title) WHERE id = ?")
                    .bind(.of(poll.etag), .of(poll.lastModified), .of(poll.title), .int(poll.feedID)).run()
            }
            try db.statement("""
                UPDATE feeds SET delivered = delivered + ?, duplicates = duplicates + ?, pages_tried = pages_tried + ?,
                    pages_used = pages_used + ? WHERE id = ?
                """).bind(.int(Int64(poll.intents.count)), .int(Int64(poll.duplicates)), .int(Int64(poll.pagesTried)), .int(Int64(poll.pagesUsed)), .int(poll.feedID)).run()
        }
        if nearIndex != nil {
            for intent in poll.intents {
                if let simhash = intent.simhash { nearIndex?.add(simhash: UInt64(bitPattern: simhash), seq: intent.seq, seen: poll.now) }
            }
        }
        return CommitResult()
    }

    /// Marks intents as delivered (their files are in the spool, durably).
    public func markDelivered(_ seqs: [Int64]) throws(StoreError) {
        guard !seqs.isEmpty else { return }
        // Not synced: a mark lost in a crash is made again by recovery (the intent is still
        // pending and its file no longer staged), and the files' renames were made durable
        // before it, so no later synced commit can make the mark durable without them.
        try db.transaction(synced: false) { () throws(StoreError) in
            let statement = try db.statement("UPDATE deliveries SET state = 1 WHERE seq = ?")
            for seq in seqs {
                statement.reset()
                try statement.bind(.int(seq)).run()
            }
        }
    }

    /// Intents recorded but not yet marked delivered: a crash came between the two.
    public func pendingDeliveries() throws(StoreError) -> [Delivery] {
        try deliveries(where: "state = 0", .null)
    }

    /// True when no delivery was ever recorded (a new or a lost state).
    public var hasNoDeliveries: Bool {
        get throws(StoreError) {
            let statement = try db.statement("SELECT 1 FROM deliveries LIMIT 1")
            return try statement.row { _ in () } == nil
        }
    }

    /// True when an article file with this id was found in the spool by
    /// `recordFoundInSpool` (its item is unknown to the state, its file is not).
    public func wasFoundInSpool(articleID: String) throws(StoreError) -> Bool {
        guard hasFilesFoundInSpool else { return false }
        let statement = try db.statement("SELECT 1 FROM deliveries WHERE article_id = ? AND feed_id = 0 LIMIT 1").bind(.text(articleID))
        return try statement.row { _ in () } != nil
    }

    /// Records article files found in the spool that the state does not know (the state was
    /// lost or replaced): their items are then never written again.
    public func recordFoundInSpool(_ files: [(seq: Int64, id: String, name: String)], now: Int64) throws(StoreError) {
        guard !files.isEmpty else { return }
        try db.transaction { () throws(StoreError) in
            let statement = try db.statement("""
                INSERT OR IGNORE INTO deliveries(seq, state, article_id, file, feed_id, feed_url, title, first_seen, decision, fingerprint)
                VALUES(?, 1, ?, ?, 0, '', '', ?, '\(DeliveryDecision.foundInSpool.rawValue)', 0)
                """)
            for file in files {
                statement.reset()
                try statement.bind(.int(file.seq), .text(file.id), .text(file.name), .int(now)).run()
            }
        }
        hasFilesFoundInSpool = true
        if let top = files.map(\.seq).max(), top >= nextSequence { nextSequence = top + 1 }
    }

    // MARK: Bounds

    public typealias Pruned = StatePruned
    public typealias Size = StateSize

    /// Forgets items not seen in any document since `cutoff`, fingerprints older than it,
    /// and the provenance of articles delivered before it; SimHashes older than `nearCutoff`
    /// (near-duplicates are a news-cycle matter, and the band lookups stay short). Until
    /// then an item that left its feed and comes back is still known (a tombstone) and not
    /// delivered again. Intents still pending are never touched, and the newest delivery
    /// is kept, so that sequence numbers go on from it and a state that has delivered is
    /// never taken for a new one.
    @discardableResult
    public func prune(before cutoff: Int64, nearBefore nearCutoff: Int64?) throws(StoreError) -> Pruned {
        let nearest = max(cutoff, nearCutoff ?? cutoff)
        let pruned = try db.transaction { () throws(StoreError) -> Pruned in
            var pruned = Pruned()
            // An item waiting for its page keeps its identity until it is delivered.
            try db.statement("""
                DELETE FROM items WHERE last_seen < ? AND NOT EXISTS
                    (SELECT 1 FROM pending_pages p WHERE p.feed_id = items.feed_id AND p.identity = items.identity)
                """).bind(.int(cutoff)).run()
            pruned.items = db.changes
            try db.statement("DELETE FROM fingerprints WHERE seen < ?").bind(.int(cutoff)).run()
            pruned.fingerprints = db.changes
            try db.statement("DELETE FROM simhashes WHERE seen < ?").bind(.int(nearest)).run()
            pruned.fingerprints += db.changes
            try db.statement("DELETE FROM deliveries WHERE state = 1 AND first_seen < ? AND seq < (SELECT MAX(seq) FROM deliveries)")
                .bind(.int(cutoff)).run()
            pruned.deliveries = db.changes
            return pruned
        }
        nearIndex?.prune(before: nearest)
        return pruned
    }

    /// Copies the write-ahead log into the database and truncates it, so that the log holds
    /// no more than what was written since (SQLite's own checkpoints reuse the log but never
    /// shrink it). False when a reader kept it from finishing: nothing is lost, the log is
    /// copied at the next checkpoint.
    @discardableResult
    public func checkpoint() throws(StoreError) -> Bool {
        try db.statement("PRAGMA wal_checkpoint(TRUNCATE)").row { row in row.int(0) == 0 } ?? false
    }

    public var size: Size {
        get throws(StoreError) {
            func count(_ table: String) throws(StoreError) -> Int64 {
                try db.statement("SELECT COUNT(*) FROM \(table)").row { row in row.int(0) } ?? 0
            }
            var bytes: Int64 = 0
            for file in [path, path + "-wal"] {
                var st = stat()
                if stat(file, &st) == 0 { bytes += Int64(st.st_size) }
            }
            return Size(
                feeds: try count("feeds"), items: try count("items"), deliveries: try count("deliveries"),
                fingerprints: try count("fingerprints"), simhashes: try count("simhashes"), pendingPages: try count("pending_pages"), bytes: bytes)
        }
    }

    /// Runs `body` in one transaction (bulk loading in benchmarks and tests).
    public func inTransaction(_ body: () throws(StoreError) -> Void) throws(StoreError) {
        try db.transaction(body)
    }
}

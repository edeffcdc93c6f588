import FeedStore

/// The state in the cluster's PostgreSQL (`state_url`), as one node sees it: the same
/// ledger as `StateStore`, shared by every node.
///
/// What differs from one machine, and why:
/// - sequence numbers come from the database in blocks of 64 per node (a number is never
///   handed out twice; a node that stops leaves a gap, which spool order tolerates);
/// - a commit claims its fingerprints under the table's unique key: of two nodes committing
///   the same text at once, the second waits for the first and finds the fingerprint taken,
///   so its intent is dropped and its item recorded as a duplicate (`CommitResult.lost`);
/// - a commit for a feed whose lease another node holds is refused (fencing: a node that
///   paused past its lease never writes over the node that took the feed over);
/// - pending intents are this node's (each node writes its own spool).
///
/// A lost connection fails the call as `unreachable` and is opened again by the next call,
/// so the daemon can report it and retry with back-off; nothing half-done is committed.
public final class PostgresState: StateBackend {
    public let node: String
    public var place: String { link.place }
    public let sequenceWidth: Int
    private let link: PGLink

    /// The block of sequence numbers this node holds: `blockNext..<blockEnd`.
    private var blockNext: Int64 = 0
    private var blockEnd: Int64 = 0
    private var blockStart: Int64 = 0
    /// Mirrors the sequence's `INCREMENT` (migration 1).
    static let block: Int64 = 64
    /// Whether any delivery was ever recorded from a spool listing (almost never).
    private var hasFilesFoundInSpool: Bool
    /// A poll is recorded only while this node holds its feed's lease (the daemon of a
    /// cluster, which polls only what it claimed). Off, a poll is refused only when another
    /// node holds the lease (ingest without leases: tests, `--once`).
    public var requireLease = false

    /// Connects, brings the schema up to date (under the migration lock), and reads what a
    /// node needs to start.
    public init(connectionString: String, node: String) throws(StoreError) {
        self.node = node
        let db: PGConnection
        do {
            db = try Self.connect(connectionString, node: node)
            try ClusterSchema.migrate(db)
            try db.execute("INSERT INTO feedspool_meta(key, value) VALUES('seq_width', '9') ON CONFLICT DO NOTHING")
        } catch {
            throw Self.storeError(ConnectionString.redacted(connectionString), "open the cluster state", error)
        }
        link = PGLink(db) { () throws(PGError) in try Self.connect(connectionString, node: node) }
        do {
            sequenceWidth = Int(try db.execute("SELECT value FROM feedspool_meta WHERE key = 'seq_width'").text(0, 0) ?? "9") ?? 9
            hasFilesFoundInSpool = !(try db.execute("SELECT 1 FROM deliveries WHERE feed_id = 0 LIMIT 1").isEmpty)
        } catch {
            throw Self.storeError(db.place, "read the cluster state", error)
        }
    }

    /// Opens a connection for the state. Commits are asynchronous by default: what a
    /// server crash could lose of a fetch's record, a schedule, a lease or a delivered mark
    /// is harmless (a feed polled early, an intent completed again by recovery). The commit
    /// of a poll — intents, identities, fingerprints, validators — and the record of files
    /// found in the spool wait for the server's disk (`durable`): the delivery protocol
    /// depends on them, as on SQLite's synchronous=FULL.
    static func connect(_ connectionString: String, node: String) throws(PGError) -> PGConnection {
        let db = try PGConnection(connectionString, applicationName: "feedspoold \(node)")
        try db.execute("SET synchronous_commit = off")
        return db
    }

    static func storeError(_ place: String, _ what: String, _ error: PGError) -> StoreError {
        PGLink.storeError(place, what, error)
    }

    /// Runs `body` against the connection (opened again when it was lost), turning its
    /// errors into the store's.
    @discardableResult
    func run<T>(_ what: @autoclosure () -> String, _ body: (PGConnection) throws(PGError) -> T) throws(StoreError) -> T {
        try link.run(what(), body)
    }

    /// An `int8[]` parameter in PostgreSQL's array syntax.
    static func array(_ values: some Sequence<Int64>) -> PGValue {
        .text("{" + values.map(String.init).joined(separator: ",") + "}")
    }

    /// An integer array parameter whose elements may be NULL.
    static func array(_ values: [Int64?]) -> PGValue {
        .text("{" + values.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}")
    }

    // MARK: Sequence numbers

    public var nextSequence: Int64 { blockNext }

    public func reserveSequences(_ count: Int) throws(StoreError) -> Range<Int64> {
        // Ingest takes one at a time; more than a block would not be contiguous.
        guard count <= Self.block else {
            throw StoreError(message: "\(place): cannot reserve \(count) sequence numbers at once (at most \(Self.block))", unreachable: false)
        }
        if blockEnd - blockNext < Int64(count) {
            let first = try run("reserve sequence numbers") { db throws(PGError) in
                try db.execute("SELECT nextval('delivery_seq')").int(0, 0) ?? 0
            }
            blockStart = first
            blockNext = first
            blockEnd = first + Self.block
        }
        let r = blockNext..<(blockNext + Int64(count))
        blockNext = r.upperBound
        return r
    }

    public func releaseSequences(from first: Int64) {
        // Only numbers of the block still held can be taken back: an earlier block's are a gap.
        if first >= blockStart, first < blockNext { blockNext = first }
    }

    // MARK: Items and duplicates

    public func seen(feedID: Int64, identity: Int64) throws(StoreError) -> SeenItem? {
        let r = try run("read an item of feed \(feedID)") { db throws(PGError) in
            try db.execute("SELECT content, seq, outcome, related_seq, distance FROM items WHERE feed_id = $1 AND identity = $2", .int(feedID), .int(identity))
        }
        guard !r.isEmpty else { return nil }
        return SeenItem(content: r.int(0, 0) ?? 0, seq: r.int(0, 1), decision: ItemDecision(code: r.int(0, 2) ?? 0, relatedSeq: r.int(0, 3), distance: r.int(0, 4)))
    }

    public func seen(feedID: Int64, identities: [Int64]) throws(StoreError) -> [Int64: SeenItem] {
        guard !identities.isEmpty else { return [:] }
        let r = try run("read the items of feed \(feedID)") { db throws(PGError) in
            try db.execute(
                "SELECT identity, content, seq, outcome, related_seq, distance FROM items WHERE feed_id = $1 AND identity = ANY($2::int8[])",
                .int(feedID), Self.array(identities))
        }
        var found: [Int64: SeenItem] = [:]
        for i in 0..<r.count {
            guard let identity = r.int(i, 0) else { continue }
            found[identity] = SeenItem(content: r.int(i, 1) ?? 0, seq: r.int(i, 2), decision: ItemDecision(code: r.int(i, 3) ?? 0, relatedSeq: r.int(i, 4), distance: r.int(i, 5)))
        }
        return found
    }

    public func hasNoItems(feedID: Int64) throws(StoreError) -> Bool {
        try run("read the items of feed \(feedID)") { db throws(PGError) in
            try db.execute("SELECT 1 FROM items WHERE feed_id = $1 LIMIT 1", .int(feedID)).isEmpty
        }
    }

    public func fingerprintOwner(_ fingerprint: Int64) throws(StoreError) -> Int64? {
        try run("read a fingerprint") { db throws(PGError) in
            try db.execute("SELECT seq FROM fingerprints WHERE fingerprint = $1", .int(fingerprint)).int(0, 0)
        }
    }

    public func fingerprintOwners(_ fingerprints: [Int64]) throws(StoreError) -> [Int64: Int64] {
        guard !fingerprints.isEmpty else { return [:] }
        return try run("read fingerprints") { db throws(PGError) in try Self.owners(of: fingerprints, db) }
    }

    /// The deliveries owning those of `fingerprints` the state knows, in one query.
    static func owners(of fingerprints: [Int64], _ db: PGConnection) throws(PGError) -> [Int64: Int64] {
        let r = try db.execute("SELECT fingerprint, seq FROM fingerprints WHERE fingerprint = ANY($1::int8[])", array(fingerprints))
        var found: [Int64: Int64] = [:]
        for i in 0..<r.count {
            if let fingerprint = r.int(i, 0), let seq = r.int(i, 1) { found[fingerprint] = seq }
        }
        return found
    }

    public func nearestSimHash(_ h: UInt64, threshold: Int) throws(StoreError) -> (seq: Int64, distance: Int)? {
        let r = try run("read SimHashes") { db throws(PGError) in
            try db.execute("SELECT simhash, seq FROM simhashes WHERE band = ANY($1::int8[])", Self.array(SimHashBands.of(h)))
        }
        var best: (seq: Int64, distance: Int)?
        for i in 0..<r.count {
            guard let sh = r.int(i, 0), let seq = r.int(i, 1) else { continue }
            let d = (UInt64(bitPattern: sh) ^ h).nonzeroBitCount
            if d <= threshold, d < (best?.distance ?? Int.max) { best = (seq, d) }
        }
        return best
    }

    // MARK: The delivery protocol

    public func commit(_ c: PollCommit) throws(StoreError) -> CommitResult {
        try run("record a poll of feed \(c.feedID)") { db throws(PGError) in
            try db.transaction(durable: true) { () throws(PGError) -> CommitResult in
                if c.isPoll {
                    try fence(db, feedID: c.feedID)
                } else {
                    try fence(db, feedID: c.feedID, waiting: c.resolved)
                }
                let result = try claimFingerprints(db, c)
                let delivering = result.lost.isEmpty ? c.intents : c.intents.filter { result.lost[$0.seq] == nil }
                try insertDeliveries(db, delivering, now: c.now)
                try upsertItems(db, c, lost: result.lost)
                if !c.present.isEmpty {
                    try db.execute("UPDATE items SET last_seen = $1 WHERE feed_id = $2 AND identity = ANY($3::int8[])", .int(c.now), .int(c.feedID), Self.array(c.present))
                }
                for p in c.pending { try insertPending(db, p) }
                if !c.resolved.isEmpty {
                    try db.execute("DELETE FROM pending_pages WHERE feed_id = $1 AND identity = ANY($2::int8[])", .int(c.feedID), Self.array(c.resolved))
                }
                // A poll's validators and title (`$6`), and the feed's counts.
                try db.execute("""
                    UPDATE feeds SET delivered = delivered + $1, duplicates = duplicates + $2, pages_tried = pages_tried + $3,
                        pages_used = pages_used + $4, etag = CASE WHEN $6 THEN $7 ELSE etag END,
                        last_modified = CASE WHEN $6 THEN $8 ELSE last_modified END,
                        title = CASE WHEN $6 THEN COALESCE($9, title) ELSE title END
                    WHERE id = $5
                    """, .int(Int64(delivering.count)), .int(Int64(c.duplicates + result.lost.count)), .int(Int64(c.pagesTried)),
                    .int(Int64(c.pagesUsed)), .int(c.feedID), .bool(c.isPoll), .of(c.etag), .of(c.lastModified), .of(c.title))
                return result
            }
        }
    }

    /// Refuses a poll's commit unless this node may record it (see `requireLease`), and
    /// locks the feed's row until the commit ends (so the lease cannot change hands in
    /// between). A node whose lease ran out must not record its poll even when the node
    /// that took over has finished and released the feed: its items may be delivered.
    private func fence(_ db: PGConnection, feedID: Int64) throws(PGError) {
        let r = try db.execute("""
            SELECT lease_node, lease_until > EXTRACT(EPOCH FROM clock_timestamp())::BIGINT FROM feeds WHERE id = $1 FOR UPDATE
            """, .int(feedID))
        let holder = r.text(0, 0), valid = r.bool(0, 1) ?? false
        if requireLease, !(holder == node && valid) {
            throw PGError("this node's lease on feed \(feedID) ran out (another node may have polled it): its poll is not recorded")
        }
        if let holder, holder != node, valid {
            throw PGError("feed \(feedID) is leased to node \(holder) now: this node's lease ran out, and its poll is not recorded")
        }
    }

    /// Refuses the delivery of waiting items this node no longer owns (another node
    /// adopted them, taking this one for dead), and locks their rows until the commit ends.
    private func fence(_ db: PGConnection, feedID: Int64, waiting: [Int64]) throws(PGError) {
        guard !waiting.isEmpty else { return }
        let owned = try db.execute(
            "SELECT identity FROM pending_pages WHERE feed_id = $1 AND identity = ANY($2::int8[]) AND lease_node = $3 FOR UPDATE",
            .int(feedID), Self.array(waiting), .text(node))
        guard owned.count == Set(waiting).count else {
            throw PGError("an item of feed \(feedID) waiting for its page is no longer this node's (adopted by another, or delivered): not delivered here")
        }
    }

    /// Claims the commit's fingerprints in one statement. With `exclusiveFingerprints`, an
    /// intent whose text another node delivered since ingest looked (that node committed
    /// first: this insert waited for it) is lost to that node's delivery. Claimed in key
    /// order: two commits claiming overlapping texts lock them in the same order, so
    /// neither waits for the other in a cycle.
    private func claimFingerprints(_ db: PGConnection, _ c: PollCommit) throws(PGError) -> CommitResult {
        guard !c.intents.isEmpty else { return CommitResult() }
        let ordered = c.intents.sorted { $0.fingerprint < $1.fingerprint }
        let claimed = try db.execute("""
            INSERT INTO fingerprints(fingerprint, seq, seen) SELECT f, s, $3 FROM unnest($1::int8[], $2::int8[]) AS u(f, s)
            ON CONFLICT DO NOTHING RETURNING fingerprint
            """, Self.array(ordered.map(\.fingerprint)), Self.array(ordered.map(\.seq)), .int(c.now))
        guard c.exclusiveFingerprints, claimed.count < c.intents.count else { return CommitResult() }
        let mine = Set((0..<claimed.count).compactMap { claimed.int($0, 0) })
        let taken = c.intents.filter { !mine.contains($0.fingerprint) }
        let owner = try Self.owners(of: taken.map(\.fingerprint), db)
        var result = CommitResult()
        for d in taken { result.lost[d.seq] = owner[d.fingerprint] ?? -1 }
        return result
    }

    /// The intents, and their SimHash bands, in two statements (arrays of columns).
    private func insertDeliveries(_ db: PGConnection, _ intents: [Delivery], now: Int64) throws(PGError) {
        guard !intents.isEmpty else { return }
        try db.execute("""
            INSERT INTO deliveries(seq, node, state, article_id, file, feed_id, feed_url, link, guid, title, published, published_offset,
                first_seen, decision, fingerprint, simhash, text_source, text_note)
            SELECT s, $1, 0, a, f, fi, u, l, g, t, p, po, fs, d, fp, sh, ts, tn
            FROM unnest($2::int8[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[],
                $11::int8[], $12::int8[], $13::text[], $14::int8[], $15::int8[], $16::text[], $17::text[])
                AS x(s, a, f, fi, u, l, g, t, p, po, fs, d, fp, sh, ts, tn)
            """, .text(node), Self.array(intents.map(\.seq)), .textArray(intents.map(\.articleID)), .textArray(intents.map(\.file)),
            Self.array(intents.map(\.feedID)), .textArray(intents.map(\.feedURL)), .textArray(intents.map(\.link)), .textArray(intents.map(\.guid)),
            .textArray(intents.map(\.title)), Self.array(intents.map(\.published)), Self.array(intents.map { $0.publishedOffset.map(Int64.init) }),
            Self.array(intents.map(\.firstSeen)), .textArray(intents.map(\.decision.rawValue)), Self.array(intents.map(\.fingerprint)),
            Self.array(intents.map(\.simhash)), .textArray(intents.map { $0.textSource?.name }), .textArray(intents.map { $0.textSource?.note }))
        var bands: [Int64] = [], hashes: [Int64] = [], seqs: [Int64] = []
        for d in intents {
            guard let sh = d.simhash else { continue }
            for band in SimHashBands.of(UInt64(bitPattern: sh)) {
                bands.append(band)
                hashes.append(sh)
                seqs.append(d.seq)
            }
        }
        guard !bands.isEmpty else { return }
        try db.execute(
            "INSERT INTO simhashes(band, simhash, seq, seen) SELECT b, h, s, $4 FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(b, h, s)",
            Self.array(bands), Self.array(hashes), Self.array(seqs), .int(now))
    }

    /// Every item of the commit in one statement (arrays of columns), a lost intent's item
    /// recorded as the duplicate it turned out to be.
    private func upsertItems(_ db: PGConnection, _ c: PollCommit, lost: [Int64: Int64]) throws(PGError) {
        guard !c.items.isEmpty else { return }
        var identities: [Int64] = [], contents: [Int64] = [], outcomes: [Int64] = []
        var seqs: [Int64?] = [], related: [Int64?] = [], distances: [Int64?] = []
        for var item in c.items {
            if let seq = item.seq, let owner = lost[seq] {
                item.seq = nil
                item.decision = .duplicate(of: owner)
            }
            let d = item.decision.stored
            identities.append(item.identity)
            contents.append(item.content)
            seqs.append(item.seq)
            outcomes.append(d.code)
            related.append(d.relatedSeq)
            distances.append(d.distance)
        }
        try db.execute("""
            INSERT INTO items(feed_id, identity, content, first_seen, last_seen, seq, outcome, related_seq, distance)
            SELECT $1, i, c, $2, $2, s, o, r, d FROM unnest($3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int4[]) AS u(i, c, s, o, r, d)
            ON CONFLICT(feed_id, identity) DO UPDATE SET content = excluded.content, last_seen = excluded.last_seen,
                seq = COALESCE(excluded.seq, items.seq), outcome = excluded.outcome, related_seq = excluded.related_seq,
                distance = excluded.distance
            """, .int(c.feedID), .int(c.now), Self.array(identities), Self.array(contents), Self.array(seqs), Self.array(outcomes), Self.array(related), Self.array(distances))
    }

    /// The channel on which nodes announce their deliveries (`tail -f` on any node follows
    /// every node's): the payload is `node:seq,seq,…`.
    public static let articlesChannel = "feedspool_articles"

    public func markDelivered(_ seqs: [Int64]) throws(StoreError) {
        // In slices: a notification's payload holds under 8,000 bytes.
        for start in stride(from: 0, to: seqs.count, by: 400) {
            let slice = seqs[start..<min(seqs.count, start + 400)]
            try run("mark articles delivered") { db throws(PGError) in
                try db.execute("""
                    WITH done AS (UPDATE deliveries SET state = 1 WHERE seq = ANY($1::int8[]) RETURNING seq)
                    SELECT pg_notify('\(Self.articlesChannel)', $2 || ':' || string_agg(seq::text, ',')) FROM done HAVING COUNT(*) > 0
                    """, Self.array(slice), .text(node))
            }
        }
    }

    public func pendingDeliveries() throws(StoreError) -> [Delivery] {
        try deliveries("this node's pending intents", where: "state = 0 AND node = $1", .text(node))
    }

    /// True when this node never recorded a delivery (its spool is new, or was lost).
    public var hasNoDeliveries: Bool {
        get throws(StoreError) {
            try run("read the deliveries") { db throws(PGError) in
                try db.execute("SELECT 1 FROM deliveries WHERE node = $1 LIMIT 1", .text(node)).isEmpty
            }
        }
    }

    public func wasFoundInSpool(articleID: String) throws(StoreError) -> Bool {
        guard hasFilesFoundInSpool else { return false }
        return try run("read the deliveries") { db throws(PGError) in
            !(try db.execute("SELECT 1 FROM deliveries WHERE article_id = $1 AND feed_id = 0 LIMIT 1", .text(articleID)).isEmpty)
        }
    }

    /// Records this node's spool files the cluster does not know. A number another node
    /// already used is kept by that node's delivery (the file's own name is what matters);
    /// the sequence moves past the highest number found.
    public func recordFoundInSpool(_ files: [(seq: Int64, id: String, name: String)], now: Int64) throws(StoreError) {
        guard !files.isEmpty else { return }
        try run("record the articles found in the spool") { db throws(PGError) in
            try db.transaction(durable: true) { () throws(PGError) in
                for f in files {
                    try db.execute("""
                        INSERT INTO deliveries(seq, node, state, article_id, file, feed_id, feed_url, title, first_seen, decision, fingerprint)
                        VALUES($1, $2, 1, $3, $4, 0, '', '', $5, '\(DeliveryDecision.foundInSpool.rawValue)', 0) ON CONFLICT DO NOTHING
                        """, .int(f.seq), .text(node), .text(f.id), .text(f.name), .int(now))
                }
                if let top = files.map(\.seq).max() {
                    try db.execute("SELECT setval('delivery_seq', GREATEST($1, (SELECT last_value FROM delivery_seq)))", .int(top))
                }
            }
        }
        hasFilesFoundInSpool = true
        blockNext = 0
        blockEnd = 0
    }

}

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
        let range = blockNext..<(blockNext + Int64(count))
        blockNext = range.upperBound
        return range
    }

    public func releaseSequences(from first: Int64) {
        // Only numbers of the block still held can be taken back: an earlier block's are a gap.
        if first >= blockStart, first < blockNext { blockNext = first }
    }

    // MARK: Items and duplicates

    public func seen(feedID: Int64, identity: Int64) throws(StoreError) -> SeenItem? {
        let rows = try run("read an item of feed \(feedID)") { db throws(PGError) in
            try db.execute("SELECT content, seq, outcome, related_seq, distance FROM items WHERE feed_id = $1 AND identity = $2", .int(feedID), .int(identity))
        }
        guard !rows.isEmpty else { return nil }
        return SeenItem(content: rows.int(0, 0) ?? 0, seq: rows.int(0, 1), decision: ItemDecision(code: rows.int(0, 2) ?? 0, relatedSeq: rows.int(0, 3), distance: rows.int(0, 4)))
    }

    public func seen(feedID: Int64, identities: [Int64]) throws(StoreError) -> [Int64: SeenItem] {
        guard !identities.isEmpty else { return [:] }
        let rows = try run("read the items of feed \(feedID)") { db throws(PGError) in
            try db.execute(
                "SELECT identity, content, seq, outcome, related_seq, distance FROM items WHERE feed_id = $1 AND identity = ANY($2::int8[])",
                .int(feedID), Self.array(identities))
        }
        var found: [Int64: SeenItem] = [:]
        for row in 0..<rows.count {
            guard let identity = rows.int(row, 0) else { continue }
            found[identity] = SeenItem(content: rows.int(row, 1) ?? 0, seq: rows.int(row, 2), decision: ItemDecision(code: rows.int(row, 3) ?? 0, relatedSeq: rows.int(row, 4), distance: rows.int(row, 5)))
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
        let rows = try db.execute("SELECT fingerprint, seq FROM fingerprints WHERE fingerprint = ANY($1::int8[])", array(fingerprints))
        var found: [Int64: Int64] = [:]
        for row in 0..<rows.count {
            if let fingerprint = rows.int(row, 0), let seq = rows.int(row, 1) { found[fingerprint] = seq }
        }
        return found
    }

    public func nearestSimHash(_ hash: UInt64, threshold: Int) throws(StoreError) -> (seq: Int64, distance: Int)? {
        let rows = try run("read SimHashes") { db throws(PGError) in
            try db.execute("SELECT simhash, seq FROM simhashes WHERE band = ANY($1::int8[])", Self.array(SimHashBands.of(hash)))
        }
        var best: (seq: Int64, distance: Int)?
        for row in 0..<rows.count {
            guard let stored = rows.int(row, 0), let seq = rows.int(row, 1) else { continue }
            let distance = (UInt64(bitPattern: stored) ^ hash).nonzeroBitCount
            if distance <= threshold, SimHashBands.isCloser((seq, distance), than: best) { best = (seq, distance) }
        }
        return best
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
                for file in files {
                    try db.execute("""
                        INSERT INTO deliveries(seq, node, state, article_id, file, feed_id, feed_url, title, first_seen, decision, fingerprint)
                        VALUES($1, $2, 1, $3, $4, 0, '', '', $5, '\(DeliveryDecision.foundInSpool.rawValue)', 0) ON CONFLICT DO NOTHING
                        """, .int(file.seq), .text(node), .text(file.id), .text(file.name), .int(now))
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

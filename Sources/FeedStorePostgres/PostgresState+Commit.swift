import FeedStore

/// The delivery protocol on PostgreSQL: a poll's commit (fenced by the feed's lease, its
/// fingerprints claimed under the table's unique key), and the intents marked delivered.
extension PostgresState {
    public func commit(_ poll: PollCommit) throws(StoreError) -> CommitResult {
        try run("record a poll of feed \(poll.feedID)") { db throws(PGError) in
            try db.transaction(durable: true) { () throws(PGError) -> CommitResult in
                if poll.isPoll {
                    try fence(db, feedID: poll.feedID)
                } else {
                    try fence(db, feedID: poll.feedID, waiting: poll.resolved)
                }
                let result = try claimFingerprints(db, poll)
                let delivering = result.lost.isEmpty ? poll.intents : poll.intents.filter { result.lost[$0.seq] == nil }
                try insertDeliveries(db, delivering, now: poll.now)
                try upsertItems(db, poll, lost: result.lost)
                if !poll.present.isEmpty {
                    try db.execute("UPDATE items SET last_seen = $1 WHERE feed_id = $2 AND identity = ANY($3::int8[])", .int(poll.now), .int(poll.feedID), Self.array(poll.present))
                }
                for page in poll.pending { try insertPending(db, page) }
                if !poll.resolved.isEmpty {
                    try db.execute("DELETE FROM pending_pages WHERE feed_id = $1 AND identity = ANY($2::int8[])", .int(poll.feedID), Self.array(poll.resolved))
                }
                // A poll's validators and title (`$6`), and the feed's counts.
                try db.execute("""
                    UPDATE feeds SET delivered = delivered + $1, duplicates = duplicates + $2, pages_tried = pages_tried + $3,
                        pages_used = pages_used + $4, etag = CASE WHEN $6 THEN $7 ELSE etag END,
                        last_modified = CASE WHEN $6 THEN $8 ELSE last_modified END,
                        title = CASE WHEN $6 THEN COALESCE($9, title) ELSE title END
                    WHERE id = $5
                    """, .int(Int64(delivering.count)), .int(Int64(poll.duplicates + result.lost.count)), .int(Int64(poll.pagesTried)),
                    .int(Int64(poll.pagesUsed)), .int(poll.feedID), .bool(poll.isPoll), .of(poll.etag), .of(poll.lastModified), .of(poll.title))
                return result
            }
        }
    }

    /// Refuses a poll's commit unless this node may record it (see `requireLease`), and
    /// locks the feed's row until the commit ends (so the lease cannot change hands in
    /// between). A node whose lease ran out must not record its poll even when the node
    /// that took over has finished and released the feed: its items may be delivered.
    private func fence(_ db: PGConnection, feedID: Int64) throws(PGError) {
        let rows = try db.execute("""
            SELECT lease_node, lease_until > EXTRACT(EPOCH FROM clock_timestamp())::BIGINT FROM feeds WHERE id = $1 FOR UPDATE
            """, .int(feedID))
        let holder = rows.text(0, 0), valid = rows.bool(0, 1) ?? false
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
    private func claimFingerprints(_ db: PGConnection, _ poll: PollCommit) throws(PGError) -> CommitResult {
        guard !poll.intents.isEmpty else { return CommitResult() }
        let ordered = poll.intents.sorted { $0.fingerprint < $1.fingerprint }
        let claimed = try db.execute("""
            INSERT INTO fingerprints(fingerprint, seq, seen) SELECT f, s, $3 FROM unnest($1::int8[], $2::int8[]) AS u(f, s)
            ON CONFLICT DO NOTHING RETURNING fingerprint
            """, Self.array(ordered.map(\.fingerprint)), Self.array(ordered.map(\.seq)), .int(poll.now))
        guard poll.exclusiveFingerprints, claimed.count < poll.intents.count else { return CommitResult() }
        let mine = Set((0..<claimed.count).compactMap { claimed.int($0, 0) })
        let taken = poll.intents.filter { !mine.contains($0.fingerprint) }
        let owner = try Self.owners(of: taken.map(\.fingerprint), db)
        var result = CommitResult()
        for delivery in taken { result.lost[delivery.seq] = owner[delivery.fingerprint] ?? -1 }
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
        for delivery in intents {
            guard let sh = delivery.simhash else { continue }
            for band in SimHashBands.of(UInt64(bitPattern: sh)) {
                bands.append(band)
                hashes.append(sh)
                seqs.append(delivery.seq)
            }
        }
        guard !bands.isEmpty else { return }
        try db.execute(
            "INSERT INTO simhashes(band, simhash, seq, seen) SELECT b, h, s, $4 FROM unnest($1::int8[], $2::int8[], $3::int8[]) AS u(b, h, s)",
            Self.array(bands), Self.array(hashes), Self.array(seqs), .int(now))
    }

    /// Every item of the commit in one statement (arrays of columns), a lost intent's item
    /// recorded as the duplicate it turned out to be.
    private func upsertItems(_ db: PGConnection, _ poll: PollCommit, lost: [Int64: Int64]) throws(PGError) {
        guard !poll.items.isEmpty else { return }
        var identities: [Int64] = [], contents: [Int64] = [], outcomes: [Int64] = []
        var seqs: [Int64?] = [], related: [Int64?] = [], distances: [Int64?] = []
        for var item in poll.items {
            if let seq = item.seq, let owner = lost[seq] {
                item.seq = nil
                item.decision = .duplicate(of: owner)
            }
            let stored = item.decision.stored
            identities.append(item.identity)
            contents.append(item.content)
            seqs.append(item.seq)
            outcomes.append(stored.code)
            related.append(stored.relatedSeq)
            distances.append(stored.distance)
        }
        try db.execute("""
            INSERT INTO items(feed_id, identity, content, first_seen, last_seen, seq, outcome, related_seq, distance)
            SELECT $1, i, c, $2, $2, s, o, r, d FROM unnest($3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[], $8::int4[]) AS u(i, c, s, o, r, d)
            ON CONFLICT(feed_id, identity) DO UPDATE SET content = excluded.content, last_seen = excluded.last_seen,
                seq = COALESCE(excluded.seq, items.seq), outcome = excluded.outcome, related_seq = excluded.related_seq,
                distance = excluded.distance
            """, .int(poll.feedID), .int(poll.now), Self.array(identities), Self.array(contents), Self.array(seqs), Self.array(outcomes), Self.array(related), Self.array(distances))
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
}

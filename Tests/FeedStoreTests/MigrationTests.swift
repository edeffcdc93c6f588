import Foundation
import TestSupport
import Testing

@testable import FeedStore

/// The state's schema moves forward in place, and a state from a newer feedspool is refused.
@Suite struct MigrationTests {
    /// A state as schema 1 wrote it: decisions as sentences.
    static func schemaOne(_ dir: URL) throws {
        let db = try SQLiteDatabase(path: dir.path + "/state.sqlite")
        try db.execute(Schema.migrations[0])
        try db.execute("INSERT INTO meta(key, value) VALUES('seq_width', '9')")
        try db.execute("PRAGMA user_version = 1")
        try db.execute("INSERT INTO feeds(id, key, url, added) VALUES(1, 'https://e.example/feed', 'https://e.example/feed', 0)")
        let rows: [(Int, String)] = [
            (1, "delivered"), (2, "delivered (update)"), (3, "already in the spool"), (4, "too old (first poll, max_age)"),
            (5, "over max_items (first poll)"), (6, "duplicate of 42 (same text)"), (7, "near-duplicate of 17 (SimHash distance 5)"),
            (8, "bench filler"),
        ]
        for (identity, decision) in rows {
            try db.execute("INSERT INTO items(feed_id, identity, content, first_seen, last_seen, seq, decision) VALUES(1, \(identity), 0, 0, 0, NULL, '\(decision)')")
        }
    }

    @Test func schemaOnesSentencesBecomeDecisions() throws {
        let dir = try Binaries.tempDirectory("migration")
        try Self.schemaOne(dir)
        let store = try StateStore(directory: dir.path)
        let expected: [Int64: ItemDecision] = [
            1: .delivered, 2: .deliveredUpdate, 3: .alreadyInSpool, 4: .tooOld, 5: .overMaxItems, 6: .duplicate(of: 42),
            7: .nearDuplicate(of: 17, distance: 5), 8: .recorded,
        ]
        for (identity, decision) in expected {
            #expect(try store.seen(feedID: 1, identity: identity)?.decision == decision, "\(identity)")
        }
        // And they read as the sentences they were.
        #expect(try store.seen(feedID: 1, identity: 7)?.decision.description == "near-duplicate of 17 (SimHash distance 5)")
        // Opened again: nothing to migrate, the same answers.
        let again = try StateStore(directory: dir.path)
        #expect(try again.seen(feedID: 1, identity: 6)?.decision == .duplicate(of: 42))
    }

    /// Schema 2 → 3: deliveries made before full text keep their provenance (no text source:
    /// unknown, not invented), feeds start with no page counts, and waiting items can be
    /// recorded.
    @Test func schemaTwoGainsFullText() throws {
        let dir = try Binaries.tempDirectory("migration3")
        try Self.schemaOne(dir)
        let db = try SQLiteDatabase(path: dir.path + "/state.sqlite")
        try db.transaction { () throws(StoreError) in
            try db.execute(Schema.migrations[1])
            try db.execute("PRAGMA user_version = 2")
        }
        try db.execute("""
            INSERT INTO deliveries(seq, state, article_id, file, feed_id, feed_url, title, first_seen, decision, fingerprint)
            VALUES(5, 1, '0123456789abcdef', '000000005_0123456789abcdef.txt', 1, 'https://e.example/feed', 'T', 0, 'new', 0)
            """)
        let store = try StateStore(directory: dir.path)
        #expect(try store.delivery(seq: 5)?.textSource == nil)
        #expect(try store.feed(id: 1)?.pagesTried == 0)
        var commit = PollCommit(feedID: 1, now: 10)
        commit.pending = [
            PendingPage(
                feedID: 1, identity: 99, articleID: "fedcba9876543210", content: 1, isUpdate: false, link: "https://e.example/a", guid: nil,
                title: "A", date: "2024-12-05", published: nil, publishedOffset: nil, body: "Teaser…", teaser: "ellipsis", firstSeen: 10,
                deadline: 3610, nextAttempt: 10)
        ]
        try store.commit(commit)
        #expect(try store.pageTickets() == [PageTicket(feedID: 1, identity: 99, link: "https://e.example/a", deadline: 3610, nextAttempt: 10)])
        #expect(try store.pendingPage(feedID: 1, identity: 99)?.body == "Teaser…")
        // A commit that is not a poll leaves the feed's validators alone.
        var poll = PollCommit(feedID: 1, now: 20)
        poll.etag = "\"v1\""
        try store.commit(poll)
        var resolution = PollCommit(feedID: 1, now: 30)
        resolution.isPoll = false
        resolution.resolved = [99]
        resolution.pagesTried = 1
        try store.commit(resolution)
        #expect(try store.feed(id: 1)?.etag == "\"v1\"")
        #expect(try store.feed(id: 1)?.pagesTried == 1)
        #expect(try store.pageTickets().isEmpty)
    }

    /// Schema 3 → 4: a row per SimHash band becomes a row per delivery, and the near
    /// duplicates it held are still found.
    @Test func schemaThreesBandRowsBecomeOneRowPerDelivery() throws {
        let dir = try Binaries.tempDirectory("migration4")
        let db = try SQLiteDatabase(path: dir.path + "/state.sqlite")
        try db.transaction { () throws(StoreError) in
            for n in 0..<3 { try db.execute(Schema.migrations[n]) }
            try db.execute("INSERT INTO meta(key, value) VALUES('seq_width', '9')")
            try db.execute("PRAGMA user_version = 3")
        }
        let hash: UInt64 = 0x0F0F_0F0F_1234_5678
        for band in SimHashBands.of(hash) {
            try db.execute("INSERT INTO simhashes(band, simhash, seq, seen) VALUES(\(band), \(Int64(bitPattern: hash)), 7, 1000)")
        }
        let store = try StateStore(directory: dir.path)
        #expect(try store.size.simhashes == 1)
        #expect(try store.nearestSimHash(hash ^ 0b11, threshold: 6)! == (7, 2))
        #expect(try store.prune(before: 0, nearBefore: 1001).fingerprints == 1)
        #expect(try store.nearestSimHash(hash, threshold: 6) == nil)
    }

    @Test func aStateFromANewerFeedspoolIsRefused() throws {
        let dir = try Binaries.tempDirectory("newer")
        _ = try StateStore(directory: dir.path)
        try SQLiteDatabase(path: dir.path + "/state.sqlite").execute("PRAGMA user_version = 99")
        #expect {
            _ = try StateStore(directory: dir.path)
        } throws: { error in
            "\(error)".contains("written by a newer feedspool (schema 99")
        }
    }

    @Test func everyDecisionRoundTrips() throws {
        for d: ItemDecision in [.delivered, .deliveredUpdate, .alreadyInSpool, .tooOld, .overMaxItems, .duplicate(of: 3), .nearDuplicate(of: 9, distance: 2), .awaitingPage, .recorded] {
            let s = d.stored
            #expect(ItemDecision(code: s.code, relatedSeq: s.relatedSeq, distance: s.distance) == d)
        }
    }
}

/// `markDelivered`'s commit is the one not flushed on its own: the connection is back to
/// `synchronous=FULL` after it, whether it committed or failed, so every other commit stays
/// durable when it returns.
@Suite struct UnsyncedCommitTests {
    static func synchronous(_ db: SQLiteDatabase) throws -> Int64? {
        try db.statement("PRAGMA synchronous").row { s in s.int(0) }
    }

    @Test func onlyTheUnsyncedCommitIsUnsynced() throws {
        let dir = try Binaries.tempDirectory("unsynced")
        let store = try StateStore(directory: dir.path)
        let db = store.db
        #expect(try Self.synchronous(db) == 2)  // FULL
        var inside: Int64?
        try db.transaction(synced: false) { () throws(StoreError) in
            inside = try? Self.synchronous(db)
        }
        #expect(inside == 1)  // NORMAL
        #expect(try Self.synchronous(db) == 2)
        #expect(throws: StoreError.self) {
            try db.transaction(synced: false) { () throws(StoreError) in throw StoreError("a failing body") }
        }
        #expect(try Self.synchronous(db) == 2)
        // And markDelivered is such a commit.
        _ = try store.ensureFeed(key: "https://e.example/feed", name: nil, now: 0)
        try store.markDelivered([1])
        #expect(try Self.synchronous(db) == 2)
    }
}

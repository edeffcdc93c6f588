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
        for d: ItemDecision in [.delivered, .deliveredUpdate, .alreadyInSpool, .tooOld, .overMaxItems, .duplicate(of: 3), .nearDuplicate(of: 9, distance: 2), .recorded] {
            let s = d.stored
            #expect(ItemDecision(code: s.code, relatedSeq: s.relatedSeq, distance: s.distance) == d)
        }
    }
}

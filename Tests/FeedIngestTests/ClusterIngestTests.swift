import FeedCore
import FeedIngest
import FeedSpool
@testable import FeedStore
import FeedStorePostgres
import Foundation
import TestSupport
import Testing

/// Several nodes sharing one PostgreSQL state, each with its own spool: a story two nodes
/// see at the same moment is delivered once, whatever the timing, and a node whose lease
/// ran out never records a poll over the node that took the feed over.
@Suite struct ClusterIngestTests {
    /// A second node on `first`'s database, with a spool of its own.
    static func node(_ name: String, sharing first: Site, clock: TestClock) throws -> Site {
        try Site("node-\(name)", clock: clock) { c in
            c.stateURL = first.site.config.stateURL
            c.node = name
        }
    }

    @Test func aStoryTwoNodesCommitAtOnceIsDeliveredOnce() throws {
        let clock = TestClock()
        let a = try Site("cluster-a", backend: .postgres, clock: clock)
        let b = try Self.node("b", sharing: a, clock: clock)
        // The same text reaches both nodes through different feeds, and both looked before
        // either committed: each built an intent; the fingerprint's unique key decides.
        var rounds = 0
        for round in 0..<12 {
            let stories = (0..<8).map { TestItem(guid: "r\(round)-\($0)", link: "https://wire.example/\(round)/\($0)", title: "Story \(round).\($0)", body: "Wire copy \(round).\($0): \(wireA)") }
            let docA = rss(stories, title: "Outlet A"), docB = rss(stories.map { var s = $0; s.guid = "b-" + ($0.guid ?? ""); return s }, title: "Outlet B")
            // Each thread uses its own node's site only.
            nonisolated(unsafe) let sites = [a, b]
            let docs = [docA, docB]
            let reports = Locked<[Int: IngestReport]>([:])
            let failures = Locked<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { i in
                do {
                    let r = try sites[i].ingest("https://outlet-\(i).example/feed", docs[i])
                    reports.withLock { $0[i] = r }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty)
            let delivered = reports.withLock { $0.values.reduce(0) { $0 + $1.delivered.count } }
            let duplicates = reports.withLock { $0.values.reduce(0) { $0 + $1.duplicates.count } }
            #expect(delivered == 8, "round \(round): \(delivered) delivered")
            #expect(duplicates == 8, "round \(round): \(duplicates) duplicates")
            rounds += 1
        }
        // Every story's file is in exactly one node's spool, and nothing is left staged.
        var texts: [String: Int] = [:]
        for s in [a, b] {
            for (_, text) in try s.spoolFiles() { texts[text.split(separator: "\n").dropFirst().joined(separator: "\n"), default: 0] += 1 }
            #expect(try s.staged().isEmpty)
            #expect(try s.site.store.pendingDeliveries().isEmpty)
        }
        #expect(texts.count == rounds * 8)
        #expect(texts.values.allSatisfy { $0 == 1 })
    }

    /// The race itself, made certain: both nodes built their intent before either committed.
    @Test func theLaterCommitOfATextIsDroppedAndItsFileDiscarded() throws {
        let clock = TestClock()
        let a = try Site("race-a", backend: .postgres, clock: clock)
        let b = try Self.node("race-b", sharing: a, clock: clock)
        func attempt(_ s: Site, feed: String) throws -> (CommitResult, Int64) {
            let f = try s.feed(feed)
            let seq = try s.site.store.reserveSequences(1).lowerBound
            let name = Article.fileName(seq: Int(seq), id: "0123456789abcdef", width: s.site.store.sequenceWidth)
            var c = PollCommit(feedID: f.id, now: clock.now)
            c.exclusiveFingerprints = true
            c.intents = [Delivery(seq: seq, delivered: false, articleID: "0123456789abcdef", file: name, feedID: f.id, feedURL: feed, link: nil, guid: nil, title: "T", published: nil, publishedOffset: nil, firstSeen: clock.now, decision: .new, fingerprint: 42, simhash: nil)]
            c.items = [ItemRecord(identity: 7, content: 1, seq: seq, decision: .delivered)]
            return (try s.site.ingestor.deliverer.deliver([ArticleFile(name: name, text: "x\n")], commit: c), seq)
        }
        let (first, firstSeq) = try attempt(a, feed: "https://one.example/feed")
        #expect(first.lost.isEmpty)
        let (second, secondSeq) = try attempt(b, feed: "https://two.example/feed")
        #expect(second.lost == [secondSeq: firstSeq])
        #expect(try b.spoolFiles().isEmpty)
        #expect(try b.staged().isEmpty)
        #expect(try b.site.store.delivery(seq: secondSeq) == nil)
        let item = try b.site.store.seen(feedID: try b.feed("https://two.example/feed").id, identity: 7)
        #expect(item?.decision == .duplicate(of: firstSeq))
        #expect(try a.spoolFiles().count == 1)
    }

    @Test func aNodeWhoseLeaseRanOutRecordsNothing() throws {
        let clock = TestClock()
        let a = try Site("fence-a", backend: .postgres, clock: clock)
        let feed = try a.feed("https://fenced.example/feed")
        // Node b holds the feed's lease (a took too long; b took the feed over).
        let db = try PGConnection(try #require(a.site.config.stateURL))
        try FeedLeases(db: db, node: "b").heartbeat(version: "test")
        try db.execute("UPDATE feeds SET lease_node = 'b', lease_until = EXTRACT(EPOCH FROM clock_timestamp())::BIGINT + 60 WHERE id = $1", .int(feed.id))
        #expect(throws: DeliveryError.self) { try a.ingest("https://fenced.example/feed", rss(items(0..<3))) }
        #expect(try a.spoolFiles().isEmpty)
        #expect(try a.staged().isEmpty)
        #expect(try a.site.store.hasNoItems(feedID: feed.id))
        // A daemon of the cluster records only polls it holds the lease of: not when b has
        // released the feed either (b may have delivered its items meanwhile).
        try db.execute("UPDATE feeds SET lease_node = NULL, lease_until = NULL WHERE id = $1", .int(feed.id))
        let store = try #require(a.site.store as? PostgresState)
        store.requireLease = true
        #expect(throws: DeliveryError.self) { try a.ingest("https://fenced.example/feed", rss(items(0..<3))) }
        #expect(try a.spoolFiles().isEmpty)
        try db.execute("UPDATE feeds SET lease_node = 'test-node', lease_until = EXTRACT(EPOCH FROM clock_timestamp())::BIGINT + 60 WHERE id = $1", .int(feed.id))
        #expect(try a.ingest("https://fenced.example/feed", rss(items(0..<3))).delivered.count == 3)
        // Without that rule (ingest without leases), a released feed's poll is recorded.
        store.requireLease = false
        try db.execute("UPDATE feeds SET lease_node = NULL, lease_until = NULL WHERE id = $1", .int(feed.id))
        #expect(try a.ingest("https://fenced.example/feed", rss(items(0..<4))).delivered.count == 1)
    }

    /// Pruning keeps each node's newest delivery (a node that has delivered is never taken
    /// for a new one) and forgets the rest of the old provenance.
    @Test func pruningKeepsEachNodesNewestDelivery() throws {
        let clock = TestClock()
        let a = try Site("prune-a", backend: .postgres, clock: clock)
        let b = try Self.node("prune-b", sharing: a, clock: clock)
        let fromA = try a.ingest("https://a.example/feed", rss(items(0..<4, prefix: "a"))).delivered.map(\.seq)
        let fromB = try b.ingest("https://b.example/feed", rss(items(0..<3, prefix: "b"))).delivered.map(\.seq)
        let pruned = try a.site.store.prune(before: clock.now + 1)
        #expect(pruned.deliveries == 5)
        #expect(try a.site.store.delivery(seq: try #require(fromA.max())) != nil)
        #expect(try a.site.store.delivery(seq: try #require(fromB.max())) != nil)
        #expect(try a.site.store.delivery(seq: try #require(fromA.min())) == nil)
        #expect(try !a.site.store.hasNoDeliveries && !b.site.store.hasNoDeliveries)
    }

    @Test func aLostConnectionIsReportedAsUnreachableAndTheNextCallReconnects() throws {
        let a = try Site("reconnect", backend: .postgres)
        #expect(try a.ingest("https://e.com/feed", rss(items(0..<2))).delivered.count == 2)
        // The server ends this node's session (as a restart of PostgreSQL would).
        let db = try PGConnection(try #require(a.site.config.stateURL))
        try db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'feedspoold test-node' AND pid <> pg_backend_pid()")
        do {
            _ = try a.site.store.allFeeds()
            Issue.record("a terminated session answered")
        } catch {
            #expect(error.isUnreachable, "\(error)")
        }
        // The next call opens the connection again; nothing was lost or doubled.
        let r = try a.ingest("https://e.com/feed", rss(items(0..<3)))
        #expect(r.delivered.count == 1)
        #expect(try a.spoolFiles().count == 3)
    }
}

/// `feedspool migrate-state`: a machine's state moved into the cluster's PostgreSQL; the
/// machine goes on as a node without delivering anything again.
@Suite struct MigrateStateTests {
    @Test func aMachinesStateMovesIntoTheClusterAndNothingIsDeliveredAgain() throws {
        let s = try Site("migrate")
        let story = [TestItem(guid: "wire-1", link: "https://a.example/wire-1", title: "Wire", body: wireA)]
        try s.ingest("https://a.example/feed", rss(items(0..<5) + story))
        let before = try s.spoolFiles()
        let lastSeq = try #require(try s.site.store.allFeeds().first).delivered - 1
        let cluster = try PostgresCluster.shared()
        let url = cluster.connectionString(try cluster.createDatabase("migrate"))

        let copied = try Binaries.run("feedspool", ["migrate-state", "--to", url, "--state-dir", s.dir.path + "/state", "--node", "first"])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("6 deliveries"), "\(copied.stdout)")
        // Once only: the cluster has delivered now.
        let again = try Binaries.run("feedspool", ["migrate-state", "--to", url, "--state-dir", s.dir.path + "/state", "--node", "first"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds deliveries"), "\(again.stderr)")

        // The machine restarts as the cluster's first node, its spool where it was.
        let node = try Site(reopening: s) { c in
            c.stateURL = url
            c.node = "first"
        }
        let r = try node.ingest("https://a.example/feed", rss(items(0..<7) + story))
        #expect(r.delivered.count == 2)  // the two new items only
        #expect(r.delivered.allSatisfy { $0.seq > lastSeq })
        // Another feed carrying a story the machine delivered: a duplicate, by its fingerprint.
        let other = try node.ingest("https://b.example/feed", rss(story.map { var i = $0; i.guid = "b-wire-1"; return i }))
        #expect(other.delivered.isEmpty)
        #expect(other.duplicates.count == 1)
        // And an edited copy, by the SimHash bands the copy spread out of each row.
        let edited = TestItem(guid: "c-wire-1", link: "https://c.example/wire-1", title: "Wire", body: wireB)
        let near = try node.ingest("https://c.example/feed", rss([edited]), settings: IngestSettings(dedup: .near(threshold: DedupPolicy.defaultNearThreshold)))
        #expect(near.delivered.isEmpty)
        let wireSeq = try (0...lastSeq).first { try node.site.store.delivery(seq: $0)?.guid == "wire-1" }
        #expect(near.duplicates.first?.reason.hasPrefix("near-duplicate of \(try #require(wireSeq)) ") == true, "\(near.duplicates)")
        let after = try node.spoolFiles()
        for (name, text) in before { #expect(after[name] == text) }
        #expect(after.count == before.count + 2)
        // Provenance came along.
        let first = try #require(try node.site.store.delivery(seq: 0))
        #expect(first.feedURL == "https://a.example/feed")
        #expect(first.delivered)
    }

    @Test func anUnreadableRowStopsTheCopyAndNamesIt() throws {
        let s = try Site("migrate-unreadable")
        try s.ingest("https://a.example/feed", rss(items(0..<2)))
        // A SimHash that is no integer (SQLite keeps what it is given).
        try SQLiteDatabase(path: s.dir.path + "/state/state.sqlite").execute("INSERT INTO simhashes(seq, simhash, seen) VALUES(99, 'not a hash', 0)")
        let cluster = try PostgresCluster.shared()
        let url = cluster.connectionString(try cluster.createDatabase("migrate_unreadable"))
        let copied = try Binaries.run("feedspool", ["migrate-state", "--to", url, "--state-dir", s.dir.path + "/state"])
        #expect(copied.status == 1)
        #expect(copied.stderr.contains("the SimHash of delivery 99 is not an integer: not a hash"), "\(copied.stderr)")
        // Nothing of it was kept: the copy can be made again once the row is mended.
        let state = try PostgresState(connectionString: url, node: "first")
        #expect(try state.deliveredCount == 0)
    }

    @Test func aFailedCopyChangesNothingAndSaysWhy() throws {
        let s = try Site("migrate-bad")
        try s.ingest("https://a.example/feed", rss(items(0..<2)))
        let unreachable = try Binaries.run("feedspool", ["migrate-state", "--to", "host=/nonexistent/socket dbname=x password=hunter2", "--state-dir", s.dir.path + "/state"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("cannot connect"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("hunter2"))
        let noState = try Binaries.run("feedspool", ["migrate-state", "--to", "host=/nonexistent dbname=x", "--state-dir", s.dir.path + "/nothing-here"])
        #expect(noState.status == 1)
        #expect(noState.stderr.contains("nothing-here"), "\(noState.stderr)")
    }
}

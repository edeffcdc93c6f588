import FeedCore
import FeedStore
import Foundation
import TestSupport
import Testing

@testable import FeedStorePostgres

/// The cluster's state in a real PostgreSQL (a throwaway cluster on a Unix socket).
@Suite struct ClusterStateTests {
    static func database(_ tag: String) throws -> String {
        let cluster = try PostgresCluster.shared()
        return cluster.connectionString(try cluster.createDatabase(tag))
    }

    @Test func migrationsApplyOnceAndAreIdempotent() throws {
        let url = try Self.database("migrate")
        let db = try PGConnection(url)
        #expect(try ClusterSchema.migrate(db) == 0)
        #expect(try db.execute("SELECT value FROM feedspool_meta WHERE key = 'schema'").text(0, 0) == String(ClusterSchema.version))
        #expect(try ClusterSchema.migrate(db) == ClusterSchema.version)
        #expect(try db.execute("SELECT COUNT(*) FROM feeds").int(0, 0) == 0)
    }

    /// Nodes starting together: the advisory lock lets one migrate and the others find it done.
    @Test func nodesMigratingAtOnceApplyEachMigrationOnce() throws {
        let url = try Self.database("together")
        let outcomes = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let db = try PGConnection(url)
                let found = try ClusterSchema.migrate(db)
                outcomes.withLock { $0.append("found \(found)") }
            } catch {
                outcomes.withLock { $0.append("\(error)") }
            }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.filter { $0 == "found 0" }.count == 1, "\(all)")
        #expect(all.filter { $0 == "found \(ClusterSchema.version)" }.count == 5, "\(all)")
    }

    @Test func aNewerSchemaIsRefusedWithAClearMessage() throws {
        let url = try Self.database("newer")
        let db = try PGConnection(url)
        try ClusterSchema.migrate(db)
        try db.execute("UPDATE feedspool_meta SET value = '99' WHERE key = 'schema'")
        #expect {
            try ClusterSchema.migrate(db)
        } throws: { error in
            "\(error)".contains("written by a newer feedspool (schema 99, this one knows \(ClusterSchema.version)); upgrade this node")
        }
    }

    @Test func connectionFailuresNameThePlaceButNeverThePassword() {
        #expect {
            _ = try PGConnection("host=/nonexistent/socket/dir port=5 user=feedspool password=hunter2 dbname=x", connectTimeout: 2)
        } throws: { error in
            let e = error as? PGError
            return e?.connectionLost == true && "\(error)".hasPrefix("cannot connect to PostgreSQL at host=/nonexistent/socket/dir")
                && !"\(error)".contains("hunter2") && "\(error)".contains("password=***")
        }
    }

    @Test func statementErrorsCarryTheirSQLState() throws {
        let db = try PGConnection(try Self.database("errors"))
        try db.execute("CREATE TABLE t(k TEXT PRIMARY KEY)")
        try db.execute("INSERT INTO t VALUES($1)", .text("a"))
        #expect {
            try db.execute("INSERT INTO t VALUES($1)", .text("a"))
        } throws: { error in
            (error as? PGError)?.isUniqueViolation == true && "\(error)".contains("duplicate key")
        }
        // Values are parameters, never SQL.
        try db.execute("INSERT INTO t VALUES($1)", .text("'); DROP TABLE t; --"))
        #expect(try db.execute("SELECT COUNT(*) FROM t").int(0, 0) == 2)
    }

    @Test func passwordsAreRedacted() {
        #expect(ConnectionString.redacted("postgresql://feed:s3cret@db.example:5432/spool?sslmode=require") == "postgresql://feed:***@db.example:5432/spool?sslmode=require")
        #expect(ConnectionString.redacted("postgres://db.example/spool?user=a&password=s3cret") == "postgres://db.example/spool?user=a&password=***")
        #expect(ConnectionString.redacted("host=db user=a password='s3 cret' dbname=x") == "host=db user=a password=*** dbname=x")
        #expect(ConnectionString.redacted("host=db password = s3cret") == "host=db password=***")
        #expect(ConnectionString.redacted("host=db dbname=passwordless") == "host=db dbname=passwordless")
    }
}

/// Feeds shared by leases.
@Suite struct FeedLeaseTests {
    static func cluster(_ tag: String, feeds: Int) throws -> String {
        let url = try ClusterStateTests.database(tag)
        let db = try PGConnection(url)
        try ClusterSchema.migrate(db)
        // The same configuration on three nodes.
        for name in ["a", "b", "c"] {
            let node = FeedLeases(db: db, node: name)
            try node.heartbeat(version: "test")
            try node.list((0..<feeds).map { ("https://site\($0).example/feed", nil, "site\($0).example") })
        }
        return url
    }

    /// Three nodes claiming at the same moment get disjoint batches that cover every due feed.
    @Test func concurrentClaimsNeverOverlap() throws {
        let url = try Self.cluster("claims", feeds: 60)
        let claimed = Locked<[String: [Int64]]>([:])
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            let node = ["a", "b", "c"][i]
            do {
                let db = try PGConnection(url)
                let leases = FeedLeases(db: db, node: node)
                try leases.heartbeat(version: "test")
                var mine: [Int64] = []
                while true {
                    let batch = try leases.claim(limit: 7, lease: 120)
                    if batch.isEmpty { break }
                    mine += batch.map(\.id)
                }
                claimed.withLock { $0[node] = mine }
            } catch {
                Issue.record("\(node): \(error)")
            }
        }
        let all = claimed.withLock { $0 }
        let ids = all.values.flatMap { $0 }
        #expect(ids.count == 60)
        #expect(Set(ids).count == 60, "a feed claimed twice")
    }

    /// The per-host limit is the cluster's: three nodes claiming at once never lease more
    /// feeds of one host than `perHost` between them; a release frees a place.
    @Test func thePerHostLimitHoldsAcrossNodes() throws {
        let url = try Self.cluster("perhost", feeds: 0)
        let setup = try PGConnection(url)
        // 12 feeds on each of two hosts, listed by every node.
        let feeds: [FeedLeases.Listed] = (0..<24).map { i in
            i % 2 == 0 ? ("https://busy.example/f\(i)", nil, "busy.example") : ("https://other.example/f\(i)", nil, "other.example")
        }
        func host(_ key: String) -> String { key.contains("busy") ? "busy.example" : "other.example" }
        for name in ["a", "b", "c"] { try FeedLeases(db: setup, node: name).list(feeds) }
        let perNode = Locked<[String: [FeedLeases.Claim]]>([:])
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            let node = ["a", "b", "c"][i]
            do {
                let leases = FeedLeases(db: try PGConnection(url), node: node)
                perNode.withLock { $0[node] = [] }
                for _ in 0..<5 {
                    let batch = try leases.claim(limit: 10, lease: 120, perHost: 2)
                    perNode.withLock { $0[node]! += batch }
                }
            } catch {
                Issue.record("\(node): \(error)")
            }
        }
        let claims = perNode.withLock { $0.values.flatMap { $0 } }
        let byHost = Dictionary(grouping: claims, by: { host($0.key) }).mapValues(\.count)
        #expect(byHost == ["busy.example": 2, "other.example": 2], "\(byHost)")
        // One poll ends: its host has room for one more, whichever node claims it.
        let done = try #require(claims.first { host($0.key) == "busy.example" })
        let owner = try #require(perNode.withLock { $0.first { $0.value.contains(done) }?.key })
        try FeedLeases(db: setup, node: owner).release(done.id)
        let next = try FeedLeases(db: setup, node: "c").claimBatch(limit: 10, lease: 120, perHost: 2)
        #expect(next.claims.map { host($0.key) } == ["busy.example"])
        // Due feeds were left for their host's limit: the claimer is told to look again
        // when a poll of its own ends, not a tick later.
        #expect(next.heldBack)
        let none = try FeedLeases(db: setup, node: "c").claimBatch(limit: 10, lease: 120, perHost: 2)
        #expect(none.claims.isEmpty && none.heldBack)
        let roomy = try FeedLeases(db: setup, node: "c").claimBatch(limit: 30, lease: 120, perHost: 64)
        #expect(roomy.claims.count == 24 - 4 && !roomy.heldBack)
    }

    /// A site's page budget is one bucket for the cluster, by the database's clock, and
    /// its Retry-After holds every node.
    @Test func pageBudgetsAndRetryAfterAreTheClusters() throws {
        let url = try Self.cluster("sites", feeds: 0)
        let a = FeedLeases(db: try PGConnection(url), node: "a")
        let b = FeedLeases(db: try PGConnection(url), node: "b")
        let site = "https://news.example"
        // A burst of 3 and one a minute: no refill within the test.
        #expect(try a.takePageToken(origin: site, perMinute: 1, burst: 3) == nil)
        #expect(try b.takePageToken(origin: site, perMinute: 1, burst: 3) == nil)
        #expect(try a.takePageToken(origin: site, perMinute: 1, burst: 3) == nil)
        let wait = try #require(try b.takePageToken(origin: site, perMinute: 1, burst: 3))
        #expect((55...60).contains(wait), "\(wait)")
        // Another site has its own bucket; a's Retry-After there holds b.
        #expect(try b.takePageToken(origin: "https://other.example", perMinute: 1, burst: 3) == nil)
        try a.blockSite(origin: "https://other.example", seconds: 600)
        let blocked = try #require(try b.takePageToken(origin: "https://other.example", perMinute: 1, burst: 3))
        #expect((598...600).contains(blocked), "\(blocked)")
        // A site first heard of through its Retry-After.
        try b.blockSite(origin: "https://new.example", seconds: 30)
        #expect(try a.takePageToken(origin: "https://new.example", perMinute: 60, burst: 3).map { (28...30).contains($0) } == true)
    }

    /// A dead node's feeds are taken over as soon as its leases run out, ahead of a backlog
    /// of feeds due earlier: the poll it left half-way is the most overdue.
    @Test func aDeadNodesFeedsComeBeforeTheBacklog() throws {
        let url = try Self.cluster("orphans", feeds: 20)
        let a = FeedLeases(db: try PGConnection(url), node: "a")
        let b = FeedLeases(db: try PGConnection(url), node: "b")
        // a claims the last two feeds in due order, then dies.
        try a.db.execute("UPDATE feeds SET next_due = 100 + id")
        try a.db.execute("UPDATE feeds SET next_due = 50 WHERE key IN ('https://site18.example/feed', 'https://site19.example/feed')")
        let left = try a.claim(limit: 2, lease: 1)
        #expect(Set(left.map(\.key)) == ["https://site18.example/feed", "https://site19.example/feed"])
        try a.db.execute("UPDATE feeds SET next_due = 0 WHERE lease_node IS NULL")
        // Once its leases ran out, b's first claim of three takes them before the backlog.
        let start = Date()
        var first: [FeedLeases.Claim] = []
        while Date().timeIntervalSince(start) < 5 {
            first = try b.claim(limit: 3, lease: 60)
            if first.contains(where: { $0.key == left[0].key }) { break }
            try b.db.transaction { () throws(PGError) in for c in first { try b.release(c.id) } }
            usleep(100_000)
        }
        #expect(Array(first.prefix(2)).map(\.key) == left.map(\.key), "\(first.map(\.key))")
        #expect(first.count == 3 && first[2].key == "https://site0.example/feed")
    }

    @Test func aDeadNodesLeasesRunOutAndAnotherTakesItsFeedsOver() throws {
        let url = try Self.cluster("takeover", feeds: 3)
        let a = FeedLeases(db: try PGConnection(url), node: "a")
        let b = FeedLeases(db: try PGConnection(url), node: "b")
        try b.heartbeat(version: "test")
        let claims = try a.claim(limit: 10, lease: 2)
        #expect(claims.count == 3)
        #expect(try a.renew(claims.map(\.id), lease: 2) == Set(claims.map(\.id)))
        // Held: nobody else gets them.
        #expect(try b.claim(limit: 10, lease: 60).isEmpty)
        // a stops renewing (it died). Within the lease and a little, b takes them over.
        let start = Date()
        var taken: [FeedLeases.Claim] = []
        while taken.count < 3 && Date().timeIntervalSince(start) < 10 {
            taken += try b.claim(limit: 10, lease: 60)
            if taken.count < 3 { usleep(100_000) }
        }
        #expect(Set(taken.map(\.id)) == Set(claims.map(\.id)))
        #expect(Date().timeIntervalSince(start) < 4.5, "taken over within the lease (2 s) and a second of the clock's rounding")
        // a, back from its pause, finds it no longer holds them: it must not commit, and
        // neither its renewal nor the record of its poll touches b's leases or the feed.
        let db = a.db
        try db.transaction { () throws(PGError) in #expect(try !a.holds(claims[0].id)) }
        #expect(try a.renew(claims.map(\.id), lease: 60).isEmpty)
        let late = try PostgresState(connectionString: url, node: "a").finishPoll(
            feedID: claims[0].id, PollRecord(now: 1, status: 200, nextDue: 0, dueReason: "late"))
        #expect(late.lastFetch == nil && late.nextDue == nil)
        try b.db.transaction { () throws(PGError) in #expect(try b.holds(claims[0].id)) }
        // b's poll is recorded: its lease ends, the feed is due again later.
        let later = Int64(Date().timeIntervalSince1970) + 3600
        let recorded = try PostgresState(connectionString: url, node: "b").finishPoll(
            feedID: claims[0].id, PollRecord(now: 2, status: 304, nextDue: later, dueReason: "every 60 min"))
        #expect(recorded.lastFetch == 2 && recorded.nextDue == later && recorded.failureStreak == 0)
        #expect(try b.db.execute("SELECT lease_node FROM feeds WHERE id = $1", .int(claims[0].id)).text(0, 0) == nil)
        #expect(try a.claim(limit: 10, lease: 60).isEmpty)
    }

    @Test func onlyListedFeedsAreClaimedAndPollRequestsReachTheCluster() throws {
        let url = try Self.cluster("listing", feeds: 2)
        let a = FeedLeases(db: try PGConnection(url), node: "a")
        let claims = try a.claim(limit: 10, lease: 60)
        #expect(claims.count == 2)
        let state = try PostgresState(connectionString: url, node: "a")
        for c in claims { _ = try state.finishPoll(feedID: c.id, PollRecord(now: 1, status: 304, nextDue: Int64(Date().timeIntervalSince1970) + 3600)) }
        #expect(try a.claim(limit: 10, lease: 60).isEmpty)
        // `feedspool poll` on any node: due now, whoever claims them.
        #expect(try a.makeDue(["https://site1.example/feed"], reason: "poll requested") == ["https://site1.example/feed"])
        let b = FeedLeases(db: try PGConnection(url), node: "b")
        #expect(try b.claim(limit: 10, lease: 60).map(\.key) == ["https://site1.example/feed"])
        try b.release(try #require(try b.db.execute("SELECT id FROM feeds WHERE key = 'https://site1.example/feed'").int(0, 0)))
        // A node claims only what its configuration lists; a feed no node lists is never claimed.
        try a.list([("https://site0.example/feed", nil, "site0.example")])
        try b.list([])
        #expect(try a.makeDue([], reason: "poll requested").count == 2)
        #expect(try b.claim(limit: 10, lease: 60).isEmpty)
        #expect(try a.claim(limit: 10, lease: 60).map(\.key) == ["https://site0.example/feed"])
    }
}

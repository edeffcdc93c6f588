import FeedCore
import FeedIngest
import FeedSpool
import FeedStore
import Foundation
import Testing
import TestSupport

func items(_ range: Range<Int>, prefix: String = "i") -> [TestItem] {
    range.map { TestItem(guid: "\(prefix)\($0)", link: "https://e.com/\(prefix)\($0)", title: "Item \(prefix)\($0)", body: "Body of \(prefix)\($0), long enough to be a paragraph of its own.") }
}

@Suite struct FullDiskTests {
    @Test(arguments: Backend.allCases) func aFullDiskLosesNothingAndTearsNothing(_ backend: Backend) throws {
        let fs = FullDiskFileSystem(budget: 600)  // room for about three articles
        let s = try Site("fulldisk", backend: backend, fileSystem: fs)
        let doc = rss(items(0..<10))
        #expect(throws: DeliveryError.self) { try s.ingest("https://e.com/feed", doc) }
        // Nothing was recorded, nothing is in the spool or left in staging.
        #expect(try s.spoolFiles().isEmpty)
        #expect(try s.staged().isEmpty)
        #expect(try s.site.store.seenCount == 0)
        // The error is what a status display will show.
        do {
            try s.ingest("https://e.com/feed", doc)
        } catch let error as DeliveryError {
            #expect(error.isDiskFull)
            #expect("\(error)".contains("No space left on device"))
        }
        // Space comes back: everything is delivered, once.
        fs.refill()
        let r = try s.ingest("https://e.com/feed", doc)
        #expect(r.delivered.count == 10)
        #expect(r.delivered.map(\.seq) == Array(0..<10))  // the failed attempts used no numbers
        #expect(try s.spoolFiles().count == 10)
        #expect(try s.ingest("https://e.com/feed", doc).delivered.isEmpty)
    }

    /// A sync that fails (a write-back error: the data may never reach the disk) fails the
    /// batch before anything is recorded, whichever way the batch is made durable; once
    /// syncs work again, everything is delivered once.
    @Test(arguments: Backend.allCases, [SpoolDirectory.Durability.batched, .perFile])
    func aFailedSyncIsNeverTakenForSuccess(_ backend: Backend, _ durability: SpoolDirectory.Durability) throws {
        let fs = FullDiskFileSystem(budget: Int.max / 2)
        let s = try Site("sync-fails", backend: backend, fileSystem: fs)
        s.site.ingestor.deliverer.durability = durability
        fs.breakSyncs()
        do {
            try s.ingest("https://e.com/feed", rss(items(0..<5)))
            Issue.record("a batch whose sync failed was delivered")
        } catch let error as DeliveryError {
            #expect("\(error)".contains("Input/output error"), "\(error)")
        }
        #expect(try s.site.store.seenCount == 0)
        #expect(try s.site.store.pendingDeliveries().isEmpty)
        #expect(try s.spoolFiles().isEmpty)
        #expect(try s.staged().isEmpty)
        fs.refill()
        #expect(try s.ingest("https://e.com/feed", rss(items(0..<5))).delivered.count == 5)
        #expect(try s.spoolFiles().count == 5)
    }

    @Test(arguments: Backend.allCases) func anUnwritableSpoolReportsAndRecovers(_ backend: Backend) throws {
        // Injected rather than chmod: CI runs as root, which permissions do not stop.
        let fs = FullDiskFileSystem(budget: Int.max / 2)
        let s = try Site("unwritable", backend: backend, fileSystem: fs)
        fs.denyWrites()
        do {
            try s.ingest("https://e.com/feed", rss(items(0..<3)))
            Issue.record("delivered into an unwritable spool")
        } catch let error as DeliveryError {
            #expect("\(error)".contains("Permission denied"))
            #expect(!error.isDiskFull)
        }
        #expect(try s.site.store.seenCount == 0)
        #expect(try s.spoolFiles().isEmpty)
        fs.refill()
        #expect(try s.ingest("https://e.com/feed", rss(items(0..<3))).delivered.count == 3)
    }
}

@Suite struct RecoveryTests {
    @Test(arguments: Backend.allCases) func aCrashBetweenCommitAndRenameIsCompletedAtStartup(_ backend: Backend) throws {
        let fs = FullDiskFileSystem(budget: Int.max / 2)
        let s = try Site("crash-publish", backend: backend, fileSystem: fs)
        fs.breakRenames()
        // The commit happened, the renames did not: the items are recorded, their files staged.
        #expect(throws: DeliveryError.self) { try s.ingest("https://e.com/feed", rss(items(0..<4))) }
        #expect(try s.spoolFiles().isEmpty)
        #expect(try s.staged().count == 4)
        #expect(try s.site.store.pendingDeliveries().count == 4)
        // "Restart": recovery publishes the staged files; nothing is fetched or written again.
        let restarted = try Site(reopening: s)
        #expect(try restarted.spoolFiles().count == 4)
        #expect(try restarted.staged().isEmpty)
        #expect(try restarted.site.store.pendingDeliveries().isEmpty)
        #expect(try restarted.ingest("https://e.com/feed", rss(items(0..<4))).delivered.isEmpty)
    }

    /// A recovery that fails at start stops the start (the daemon and `--once` exit with the
    /// message) instead of running on a half-recovered state; nothing is lost by it.
    @Test(arguments: Backend.allCases) func aRecoveryThatFailsStopsTheStart(_ backend: Backend) throws {
        let fs = FullDiskFileSystem(budget: Int.max / 2)
        let s = try Site("recovery-fails", backend: backend, fileSystem: fs)
        fs.breakRenames()
        #expect(throws: DeliveryError.self) { try s.ingest("https://e.com/feed", rss(items(0..<3))) }
        do {
            _ = try Site(reopening: s, fileSystem: fs)
            Issue.record("started on a state whose recovery failed")
        } catch let error as SiteError {
            #expect(error.message.contains("crash recovery failed"), "\(error)")
        }
        // Still pending and staged: the next start, with the cause gone, completes it.
        let restarted = try Site(reopening: s)
        #expect(try restarted.spoolFiles().count == 3)
        #expect(try restarted.site.store.pendingDeliveries().isEmpty)
    }

    @Test(arguments: Backend.allCases) func aFileAConsumerTookBeforeTheLedgerCaughtUpIsNotWrittenAgain(_ backend: Backend) throws {
        let fs = FullDiskFileSystem(budget: Int.max / 2)
        let s = try Site("crash-consumed", backend: backend, fileSystem: fs)
        fs.breakRenames()
        _ = try? s.ingest("https://e.com/feed", rss(items(0..<2)))
        // Simulate: the renames happened (then the crash), and a consumer moved one file away.
        let staged = try s.staged()
        for name in staged { try FileManager.default.moveItem(atPath: s.dir.path + "/spool/tmp/" + name, toPath: s.dir.path + "/spool/" + String(name.dropLast(4))) }
        let taken = try #require(try s.spoolFiles().keys.sorted().first)
        try FileManager.default.removeItem(atPath: s.dir.path + "/spool/" + taken)
        let restarted = try Site(reopening: s)
        #expect(try restarted.site.store.pendingDeliveries().isEmpty)
        #expect(try restarted.spoolFiles().count == 1)
        #expect(try restarted.ingest("https://e.com/feed", rss(items(0..<2))).delivered.isEmpty)
    }

    @Test(arguments: Backend.allCases) func leftoversWithoutARecordAreRemoved(_ backend: Backend) throws {
        let s = try Site("leftovers", backend: backend)
        try "half an artic".write(toFile: s.dir.path + "/spool/tmp/000000000_0123456789abcdef.txt.tmp", atomically: false, encoding: .utf8)
        let restarted = try Site(reopening: s)
        #expect(try restarted.staged().isEmpty)
        #expect(try restarted.ingest("https://e.com/feed", rss(items(0..<2))).delivered.count == 2)
    }
}

@Suite struct ProvenanceTests {
    @Test(arguments: Backend.allCases) func everyDeliveryKeepsWhereItCameFrom(_ backend: Backend) throws {
        let s = try Site("provenance", backend: backend)
        let doc = rss([TestItem(guid: "g-1", link: "https://e.com/story", title: "Story", body: "Text.", date: "Thu, 05 Dec 2024 21:30:00 -0500")])
        let d = try s.ingest("https://e.com/feed.xml", doc).delivered[0]
        let stored = try #require(try s.site.store.delivery(seq: d.seq))
        #expect(stored.delivered)
        #expect(stored.feedURL == "https://e.com/feed.xml")
        #expect(stored.link == "https://e.com/story")
        #expect(stored.guid == "g-1")
        #expect(stored.published == 1_733_452_200)
        #expect(stored.publishedOffset == -5 * 3600)
        #expect(stored.firstSeen == s.clock.now)
        #expect(stored.decision == .new)
        #expect(try s.site.store.deliveries(articleID: d.articleID).map(\.seq) == [d.seq])
        // The article is dated in the feed's own offset (2024-12-05, not UTC's 12-06).
        #expect(try s.spoolFiles()[d.file]?.hasPrefix(" date 2024-12-05 Story") == true)
    }
}

@Suite struct LostStateTests {
    @Test(arguments: Backend.allCases) func articlesAlreadyInTheSpoolAreRecordedNotWrittenAgain(_ backend: Backend) throws {
        let s = try Site("lost-state", backend: backend)
        let doc = rss(items(0..<5))
        try s.ingest("https://e.com/feed", doc)
        let before = try s.spoolFiles()
        // The state is lost (deleted, or restored from an old backup); the spool is not.
        let fresh = try Site(reopening: s, losingState: true)
        let r = try fresh.ingest("https://e.com/feed", rss(items(0..<7)))
        #expect(r.delivered.count == 2)  // only the two new items
        // Numbering continues after the files found (in a cluster, after the block the
        // sequence hands out next).
        #expect(backend == .sqlite ? r.delivered.map(\.seq) == [5, 6] : r.delivered.allSatisfy { $0.seq > 4 })
        let after = try fresh.spoolFiles()
        #expect(after.count == 7)
        for (name, text) in before { #expect(after[name] == text) }
        #expect(try fresh.site.store.delivery(seq: 0)?.decision == .foundInSpool)
    }
}

@Suite struct WALTests {
    /// Reads between writes, as every poll does, must not pin the write-ahead log: it is
    /// checkpointed and restarted, so it stays near SQLite's 1,000-page checkpoint size
    /// instead of growing with every write (it once grew by gigabytes over a long run).
    @Test func theLogIsRestartedWhileReadsAndWritesInterleave() throws {
        let dir = try Binaries.tempDirectory("wal")
        let store = try StateStore(directory: dir.path)
        let feed = try store.ensureFeed(key: "https://w.example/feed", name: nil, now: 1)
        let long = String(repeating: "x", count: 3000)  // a page or more per write
        for i in 0..<3000 {
            _ = try store.feed(id: feed.id)  // a single-row read, left at its row before
            _ = try store.finishPoll(feedID: feed.id, PollRecord(now: Int64(i), status: 500, error: (stage: "http", message: long + String(i))))
        }
        let wal = try FileManager.default.attributesOfItem(atPath: dir.path + "/state.sqlite-wal")[.size] as? Int ?? -1
        #expect(wal >= 0 && wal < 8 << 20, "WAL of \(wal) bytes")
    }
}

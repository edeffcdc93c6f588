import Foundation
// The state and spool benchmark (make bench; issue #4): not installed, not a test.
//
//   feedspool-bench state DIR [ARTICLES] [SEEN]
//
// In DIR (emptied first), with full durability (every file and name synced before the
// commit, WAL with synchronous=FULL):
//  1. deliver ARTICLES (100,000) new articles into an empty spool through the real ingest
//     path (identity, seen check, exact-duplicate check, HTML to text, delivery protocol),
//     100 items per feed poll; then the two ways of making a poll's files durable side by
//     side (a file's fsync after another, and the batch's one syncfs), alternating rounds
//     of 10,000 articles each in fresh directories, with their ratio;
//  2. grow the state to SEEN (1,000,000) seen identities, then check 100,000 items of
//     which every one is already seen (the steady-state poll path), and time raw lookups;
//  3. time start-up (open, migrate check, crash recovery, pruning) with SEEN identities.
//
//   feedspool-bench delivery DIR [ROUNDS]
//
// The two protocols of 1. alone, ROUNDS (3) rounds each.
// Prints markdown rows.
import FeedConfig
import FeedCore
import FeedIngest
import FeedSpool
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

let perPoll = 100
let clock: @Sendable () -> Int64 = { 1_733_500_000 }

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func item(_ feed: Int, _ i: Int) -> FeedItem {
    var it = FeedItem()
    it.guid = "urn:bench:\(feed):\(i)"
    it.link = "https://bench\(feed).example/story/\(i)"
    it.title = .text("Story \(i) of feed \(feed): a headline of ordinary length")
    it.published = FeedDate(secondsSinceEpoch: 1_733_000_000 + Int64(i) * 60)
    it.summary = .html(UTF8Text("<p>The first paragraph of story \(i) in feed \(feed), with <b>some</b> markup and a <a href=\"x\">link</a>. " + String(repeating: "More words of an ordinary news article body follow here. ", count: 12) + "</p><p>A second paragraph (\(feed * 1000 + i)).</p>"))
    return it
}

func feedDoc(_ feed: Int, _ range: Range<Int>) -> ParsedFeed {
    var info = FeedInfo()
    info.title = .text("Bench feed \(feed)")
    return ParsedFeed(info: info, items: range.map { item(feed, $0) }, warnings: [])
}

func rmrf(_ path: String) {
    _ = system("rm -rf '\(path)'")
}

/// Articles per second delivering `count` new articles into a fresh spool and state in `dir`.
func deliveryRate(_ durability: SpoolDirectory.Durability, count: Int, dir: String) throws -> Double {
    rmrf(dir)
    mkdir(dir, 0o755)
    let config = Config(path: dir + "/feedspool.toml", spoolDir: dir + "/spool", stateDir: dir + "/state")
    let site = try IngestSite(config: config, clock: clock)
    site.ingestor.deliverer.durability = durability
    let feeds = count / perPoll
    var records: [FeedRecord] = []
    for feed in 0..<feeds { records.append(try site.store.ensureFeed(key: "https://bench\(feed).example/feed", name: nil, now: clock())) }
    let docs = (0..<feeds).map { feedDoc($0, 0..<perPoll) }
    let started = now()
    var delivered = 0
    for feed in 0..<feeds {
        delivered += try site.ingestor.ingest(docs[feed], feed: records[feed], settings: IngestSettings(), etag: nil, lastModified: nil).delivered.count
    }
    return Double(delivered) / (now() - started)
}

/// The two durability protocols in alternating rounds (this disk's speed drifts): medians.
func compareProtocols(in dir: String, rounds: Int = 3, count: Int = 10_000) {
    var perFile: [Double] = []
    var batched: [Double] = []
    do {
        // Each round in directories of its own, removed only at the end: ext4 slows the
        // creation of files while many inodes were just deleted (its `recently_deleted`
        // scan), which would tax whichever protocol runs after a removal.
        mkdir(dir, 0o755)
        for round in 0..<rounds {
            perFile.append(try deliveryRate(.perFile, count: count, dir: dir + "/\(round)-per-file"))
            batched.append(try deliveryRate(.batched, count: count, dir: dir + "/\(round)-batched"))
        }
    } catch {
        print("bench failed: \(error)")
        exit(1)
    }
    rmrf(dir)
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    // Each round's two runs are seconds apart: their ratio is the least disturbed by what
    // else this machine is doing, so the figure is the median of the rounds' ratios.
    let ratios = zip(batched, perFile).map { $0 / $1 }
    let ratioText = ratios.sorted().map { String(format: "%.2f", $0) }.joined(separator: ", ")
    print("| durable delivery, fsync per file (the old protocol; median of \(rounds) rounds of \(count)) | - | \(Int(median(perFile))) articles/s | - |")
    print("| durable delivery, one syncfs per batch (median of \(rounds) rounds of \(count), same run; each round's ratio: \(ratioText)) | - | **\(Int(median(batched))) articles/s (\(String(format: "%.2f", median(ratios)))x)** | >= 3x |")
}

let args = CommandLine.arguments
if args.count >= 3 && args[1] == "delivery" {
    // The protocol comparison alone (the figure issue #18 names), for quick runs.
    let rounds = args.count > 3 ? Int(args[3]) : 3
    guard let rounds, rounds >= 1 else {
        print("feedspool-bench delivery: ROUNDS must be a whole number of at least 1, not \(args[3])")
        exit(2)
    }
    compareProtocols(in: args[2], rounds: rounds)
    exit(0)
}
if args.count >= 3 && args[1] == "extract" {
    ExtractionBench.run(pagesDirectory: args[2], verbose: args.contains("-v"))
    exit(0)
}
guard args.count >= 3, args[1] == "state" else {
    print("usage: feedspool-bench state DIR [ARTICLES] [SEEN] | feedspool-bench delivery DIR [ROUNDS] | feedspool-bench extract PAGES_DIR [-v]")
    exit(2)
}
let dir = args[2]
let articles = args.count > 3 ? Int(args[3]) ?? 100_000 : 100_000
let seenTarget = args.count > 4 ? Int(args[4]) ?? 1_000_000 : 1_000_000
rmrf(dir)
mkdir(dir, 0o755)
var config = Config(path: dir + "/feedspool.toml", spoolDir: dir + "/spool", stateDir: dir + "/state")
config.dedup = .global

do {
    let site = try IngestSite(config: config, clock: clock)
    let feeds = articles / perPoll
    var records: [FeedRecord] = []
    for feed in 0..<feeds { records.append(try site.store.ensureFeed(key: "https://bench\(feed).example/feed", name: nil, now: clock())) }
    let docs = (0..<feeds).map { feedDoc($0, 0..<perPoll) }

    // 1. Delivery into an empty spool.
    var delivered = 0
    let t0 = now()
    for feed in 0..<feeds {
        delivered += try site.ingestor.ingest(docs[feed], feed: records[feed], settings: IngestSettings(), etag: nil, lastModified: nil).delivered.count
    }
    let deliverSeconds = now() - t0
    print("| deliver \(delivered) new articles (batched sync, group commit per poll of \(perPoll)) | \(String(format: "%.2f", deliverSeconds)) s | **\(Int(Double(delivered) / deliverSeconds)) articles/s** | >= 2,000/s |")
    compareProtocols(in: dir + "/protocols")

    // 2. Grow the state to `seenTarget` identities (bulk, untimed), then the poll path.
    var seen = Int(try site.store.seenCount)
    var filler = 0
    while seen < seenTarget {
        let batch = min(10_000, seenTarget - seen)
        var commit = PollCommit(feedID: records[filler % feeds].id, now: clock())
        for offset in 0..<batch {
            commit.items.append(ItemRecord(identity: Int64(bitPattern: ContentHash.mix(UInt64(seen + offset) &+ 0xABCDEF)), content: 0, seq: nil, decision: .recorded))
        }
        _ = try site.store.commit(commit)
        seen += batch
        filler += 1
    }
    let t1 = now()
    var alreadySeen = 0
    for feed in 0..<feeds {
        alreadySeen += try site.ingestor.ingest(docs[feed], feed: records[feed], settings: IngestSettings(), etag: nil, lastModified: nil).alreadySeen
    }
    let checkSeconds = now() - t1
    print("| check \(alreadySeen) items against \(try site.store.seenCount) seen identities (full poll path, \(feeds) commits) | \(String(format: "%.2f", checkSeconds)) s | \(Int(Double(alreadySeen) / checkSeconds)) items/s | - |")
    let t2 = now()
    var hits = 0
    for feed in 0..<feeds {
        for item in 0..<perPoll {
            let id = ArticleID.make(feedKey: records[feed].key, identity: .guid("urn:bench:\(feed):\(item)"))
            if try site.store.seen(feedID: records[feed].id, identity: Int64(bitPattern: UInt64(id, radix: 16) ?? 0)) != nil { hits += 1 }
        }
    }
    let lookupSeconds = now() - t2
    print("| raw seen lookups: \(hits) hits | \(String(format: "%.3f", lookupSeconds)) s | \(String(format: "%.1f", lookupSeconds / Double(max(hits, 1)) * 1e6)) us each | - |")
} catch {
    print("bench failed: \(error)")
    exit(1)
}

// 3. Start-up with the grown state (a fresh process would do exactly this).
do {
    let t3 = now()
    let site = try IngestSite(config: config, clock: clock)
    let startup = now() - t3
    print("| start-up with \(try site.store.seenCount) seen identities (open, recovery, pruning) | \(String(format: "%.3f", startup)) s | - | <= 1 s |")
} catch {
    print("bench failed: \(error)")
    exit(1)
}

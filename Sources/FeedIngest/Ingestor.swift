import FeedCore
import FeedExtract
import FeedParser
import FeedStore

/// The settings that decide what of a feed is delivered.
public struct IngestSettings: Sendable {
    public var dedup: DedupPolicy
    public var onUpdate: UpdatePolicy
    /// First poll only: items older than this many seconds are recorded, not delivered.
    public var maxAge: Int64?
    /// First poll only: at most this many (the newest) are delivered.
    public var maxItems: Int?
    /// When an item waits for its page (`full_text`).
    public var fullText: FullTextMode
    /// How long it waits at most, in seconds.
    public var fullTextTimeout: Int64
    /// Whether `file:` links are pages (the demo's; the engine must allow file URLs too).
    public var fileLinks: Bool

    public init(dedup: DedupPolicy = .global, onUpdate: UpdatePolicy = .ignore, maxAge: Int64? = nil, maxItems: Int? = nil, fullText: FullTextMode = .never, fullTextTimeout: Int64 = 3600, fileLinks: Bool = false) {
        self.dedup = dedup
        self.onUpdate = onUpdate
        self.maxAge = maxAge
        self.maxItems = maxItems
        self.fullText = fullText
        self.fullTextTimeout = fullTextTimeout
        self.fileLinks = fileLinks
    }
}

/// What one poll of one feed did.
public struct IngestReport: Sendable {
    public var delivered: [Delivery] = []
    public var updates = 0
    public var duplicates: [(identity: Int64, reason: String)] = []
    public var alreadySeen = 0
    public var tooOld = 0
    public var overMaxItems = 0
    /// Items now waiting for their page (delivered when it comes, or when the wait ends).
    public var awaitingPage: [PageTicket] = []
    public var firstPoll = false
}

/// Turns a parsed feed into deliveries: item identity, the seen check, first-poll limits,
/// duplicate policy, article rendering; then hands the batch to the `Deliverer`.
/// Owned by one task (it holds the state and an HTML converter).
public final class Ingestor {
    public let deliverer: Deliverer
    public var store: any StateBackend { deliverer.store }
    private var converter = HTMLToText()
    let clock: @Sendable () -> Int64

    public init(deliverer: Deliverer, clock: @escaping @Sendable () -> Int64) {
        self.deliverer = deliverer
        self.clock = clock
    }

    /// The 64 bits of an article id, as the state stores identities.
    static func identityHash(of articleID: String) -> Int64 {
        Int64(bitPattern: UInt64(articleID, radix: 16) ?? 0)
    }

    private struct Candidate {
        var index: Int
        var item: FeedItem
        var identity: ItemIdentity
        var articleID: String
        /// The identity's 64 bits, as the state stores them.
        var identityHash: Int64
        var raw: Int64
        var isUpdate: Bool
    }

    public func ingest(_ parsed: ParsedFeed, feed: FeedRecord, settings: IngestSettings, etag: String?, lastModified: String?) throws(DeliveryError) -> IngestReport {
        let now = clock()
        var report = IngestReport()
        var commit = PollCommit(feedID: feed.id, now: now)
        commit.etag = etag
        commit.lastModified = lastModified
        var builder = ArticleBuilder(converter: converter)
        defer { converter = builder.converter }
        commit.title = parsed.info.title.map { builder.titleText($0) }

        let firstPoll: Bool
        do { firstPoll = try store.hasNoItems(feedID: feed.id) } catch { throw .state(error) }
        report.firstPoll = firstPoll

        // 1. Which items are new, or changed under an identity already delivered.
        var candidates = try newCandidates(parsed, feed: feed, settings: settings, commit: &commit, report: &report)
        // 2. A new subscription does not flood the spool with its archive.
        if firstPoll { Self.limitFirstPoll(&candidates, settings: settings, now: now, commit: &commit, report: &report) }
        // 3. Oldest first, so spool order follows publication order.
        candidates = Self.oldestFirst(candidates, now: now)

        // 4. Items whose page is wanted wait for it; the others' duplicates, then the batch.
        let firstSeq = store.nextSequence
        var batch = Batch()
        let articles = candidates.map { candidate in
            let article = builder.article(for: candidate.item, id: candidate.articleID, firstSeen: FeedDate(secondsSinceEpoch: now))
            return (article, Self.pageDecision(for: candidate.item, article: article, settings: settings), Self.fingerprint(of: article))
        }
        if settings.dedup.checksText {
            // The state's owners of the candidates' texts, in one lookup.
            do { batch.stateOwners = try store.fingerprintOwners(articles.map(\.2)) } catch { throw .state(error) }
        }
        for (candidate, (article, page, fingerprint)) in zip(candidates, articles) {
            if page.wanted, let link = candidate.item.effectiveLink {
                let itemDate = candidate.item.articleDate
                let pending = PendingPage(
                    feedID: feed.id, identity: candidate.identityHash, articleID: candidate.articleID, content: candidate.raw, isUpdate: candidate.isUpdate, link: link,
                    guid: candidate.item.guid, title: article.title, date: article.date, published: itemDate?.secondsSinceEpoch,
                    publishedOffset: itemDate.map { Int($0.offsetSeconds) }, body: article.body.string, teaser: page.why, firstSeen: now,
                    deadline: now + settings.fullTextTimeout, nextAttempt: now)
                commit.pending.append(pending)
                commit.items.append(ItemRecord(identity: candidate.identityHash, content: candidate.raw, seq: nil, decision: .awaitingPage))
                report.awaitingPage.append(pending.ticket)
                continue
            }
            let itemDate = candidate.item.articleDate
            let facts = DeliveryFacts(
                articleID: candidate.articleID, identityHash: candidate.identityHash, content: candidate.raw, isUpdate: candidate.isUpdate, link: candidate.item.effectiveLink,
                guid: candidate.item.guid, published: itemDate?.secondsSinceEpoch, publishedOffset: itemDate.map { Int($0.offsetSeconds) }, firstSeen: now,
                textSource: .feed(why: page.why))
            try add(article, facts, fingerprint: fingerprint, feed: feed, settings: settings, to: &batch, commit: &commit, report: &report)
        }
        try deliver(batch, commit, firstSeq: firstSeq, settings: settings, report: &report)
        return report
    }

    /// The document's items that are new, or changed under an identity already delivered
    /// (when updates are delivered again); the others are recorded as seen.
    private func newCandidates(
        _ parsed: ParsedFeed, feed: FeedRecord, settings: IngestSettings, commit: inout PollCommit, report: inout IngestReport
    ) throws(DeliveryError) -> [Candidate] {
        var candidates: [Candidate] = []
        var inDocument = Set<Int64>()
        var items: [(index: Int, item: FeedItem, identity: ItemIdentity, articleID: String, identityHash: Int64)] = []
        for (index, (item, identity)) in zip(parsed.items, ItemIdentity.assign(to: parsed.items)).enumerated() {
            let articleID = ArticleID.make(feedKey: feed.key, identity: identity)
            let identityHash = Self.identityHash(of: articleID)
            guard inDocument.insert(identityHash).inserted else { continue }
            items.append((index, item, identity, articleID, identityHash))
        }
        let known: [Int64: SeenItem]
        do { known = try store.seen(feedID: feed.id, identities: items.map(\.identityHash)) } catch { throw .state(error) }
        for (index, item, identity, articleID, identityHash) in items {
            let raw = Int64(bitPattern: ContentHash.rawContent(of: item))
            if let seen = known[identityHash] {
                commit.present.append(identityHash)
                report.alreadySeen += 1
                guard seen.content != raw, settings.onUpdate == .redeliver, seen.seq != nil else { continue }
                candidates.append(Candidate(index: index, item: item, identity: identity, articleID: articleID, identityHash: identityHash, raw: raw, isUpdate: true))
                report.alreadySeen -= 1
            } else {
                // Its file is already in the spool (found there when the state was new).
                let inSpool: Bool
                do { inSpool = try store.wasFoundInSpool(articleID: articleID) } catch { throw .state(error) }
                if inSpool {
                    commit.items.append(ItemRecord(identity: identityHash, content: raw, seq: nil, decision: .alreadyInSpool))
                    report.alreadySeen += 1
                    continue
                }
                candidates.append(Candidate(index: index, item: item, identity: identity, articleID: articleID, identityHash: identityHash, raw: raw, isUpdate: false))
            }
        }
        return candidates
    }

    /// On a feed's first poll: items older than `max_age`, and beyond the newest
    /// `max_items`, are recorded as seen instead of delivered.
    private static func limitFirstPoll(
        _ candidates: inout [Candidate], settings: IngestSettings, now: Int64, commit: inout PollCommit, report: inout IngestReport
    ) {
        if let maxAge = settings.maxAge {
            candidates.removeAll { candidate in
                guard let date = candidate.item.articleDate, date.secondsSinceEpoch < now - maxAge else { return false }
                commit.items.append(ItemRecord(identity: candidate.identityHash, content: candidate.raw, seq: nil, decision: .tooOld))
                report.tooOld += 1
                return true
            }
        }
        guard let maxItems = settings.maxItems, candidates.count > maxItems else { return }
        // Newest first by date; undated items keep document order (feeds list newest first).
        let ranked = candidates.enumerated().sorted { a, b in
            let da = a.element.item.articleDate?.secondsSinceEpoch, db = b.element.item.articleDate?.secondsSinceEpoch
            if let da, let db, da != db { return da > db }
            if (da == nil) != (db == nil) { return da != nil }
            return a.offset < b.offset
        }
        let keep = Set(ranked.prefix(maxItems).map(\.offset))
        var kept: [Candidate] = []
        for (index, candidate) in candidates.enumerated() {
            if keep.contains(index) {
                kept.append(candidate)
            } else {
                commit.items.append(ItemRecord(identity: candidate.identityHash, content: candidate.raw, seq: nil, decision: .overMaxItems))
                report.overMaxItems += 1
            }
        }
        candidates = kept
    }

    /// Oldest first by date (undated items count as now); equal dates in reverse document
    /// order, since feeds list newest first.
    private static func oldestFirst(_ candidates: [Candidate], now: Int64) -> [Candidate] {
        candidates.enumerated().sorted { a, b in
            let da = a.element.item.articleDate?.secondsSinceEpoch ?? now, db = b.element.item.articleDate?.secondsSinceEpoch ?? now
            return da != db ? da < db : a.element.index > b.element.index
        }.map(\.element)
    }

    /// Hands a batch to the deliverer and reports what it delivered: all its intents but
    /// those whose text another writer of a shared state delivered first, which are
    /// reported as the duplicates they turned out to be.
    func deliver(_ batch: Batch, _ commit: PollCommit, firstSeq: Int64, settings: IngestSettings, report: inout IngestReport) throws(DeliveryError) {
        var commit = commit
        commit.exclusiveFingerprints = settings.dedup.checksText
        let result: CommitResult
        do {
            result = try deliverer.deliver(batch.files, commit: commit)
        } catch {
            // Nothing of this batch is recorded: its numbers are free again.
            if !deliverer.needsRecovery { store.releaseSequences(from: firstSeq) }
            throw error
        }
        for intent in commit.intents {
            if let owner = result.lost[intent.seq] {
                let identity = commit.items.first { $0.seq == intent.seq }?.identity ?? 0
                report.duplicates.append((identity, ItemDecision.duplicate(of: owner).description))
                if intent.decision == .update { report.updates -= 1 }
            } else {
                var delivered = intent
                delivered.delivered = true
                report.delivered.append(delivered)
            }
        }
    }

    /// Whether an item waits for its page, and why (or why not: the provenance of an
    /// article delivered with the feed's text).
    static func pageDecision(for item: FeedItem, article: Article, settings: IngestSettings) -> (wanted: Bool, why: String) {
        if settings.fullText == .never { return (false, "full_text is never") }
        guard let link = item.effectiveLink, isPage(link, fileLinks: settings.fileLinks) else {
            return (false, "the item has no link to a page")
        }
        if settings.fullText == .always { return (true, "full_text is always") }
        let verdict = TeaserRule.judge(title: item.title == nil ? nil : article.title, text: article.body.string)
        return (verdict.teaser, verdict.reason)
    }

    static func isPage(_ link: String, fileLinks: Bool) -> Bool {
        let lower = link.prefix(8).lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") || (fileLinks && lower.hasPrefix("file:/"))
    }
}

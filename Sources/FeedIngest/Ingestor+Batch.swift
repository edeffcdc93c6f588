import FeedCore
import FeedParser
import FeedStore

/// A commit's batch: each new article judged against the texts delivered before (and
/// earlier in the batch), and gathered as an intent, an item record and a file.
extension Ingestor {
    /// What a delivery records beside its article.
    struct DeliveryFacts {
        var articleID: String
        var identityHash: Int64
        var content: Int64
        var isUpdate: Bool
        var link: String?
        var guid: String?
        var published: Int64?
        var publishedOffset: Int?
        var firstSeen: Int64
        var textSource: TextSource
    }

    /// One commit's files, and the fingerprints already in it (a duplicate may be earlier
    /// in the same batch).
    struct Batch {
        var files: [ArticleFile] = []
        var fingerprints: [Int64: Int64] = [:]
        var simHashes: [(UInt64, Int64)] = []
        /// The state's owners of the batch's texts, when they were looked up beforehand (a
        /// fingerprint missing here is not in the state).
        var stateOwners: [Int64: Int64]?
    }

    static func fingerprint(of article: Article) -> Int64 {
        Int64(bitPattern: ContentHash.fingerprint(title: article.title, body: article.body))
    }

    /// Adds an article to the batch — unless its text is a duplicate (by the policy) of one
    /// delivered before or earlier in the batch, which is recorded instead. `fingerprint`:
    /// the article's, when the caller has it already.
    func add(
        _ article: Article, _ facts: DeliveryFacts, fingerprint: Int64? = nil, feed: FeedRecord, settings: IngestSettings,
        to batch: inout Batch, commit: inout PollCommit, report: inout IngestReport
    ) throws(DeliveryError) {
        let textFingerprint = fingerprint ?? Self.fingerprint(of: article)
        let simHash = SimHash.of(article.title + "\n" + article.body.string)
        if let decision = try duplicateDecision(textFingerprint, simHash, settings: settings, batch: batch) {
            commit.items.append(ItemRecord(identity: facts.identityHash, content: facts.content, seq: nil, decision: decision))
            commit.duplicates += 1
            report.duplicates.append((facts.identityHash, decision.description))
            return
        }
        let seq: Int64
        do { seq = try store.reserveSequences(1).lowerBound } catch { throw .state(error) }
        let name = Article.fileName(seq: Int(seq), id: facts.articleID, width: store.sequenceWidth)
        let delivery = Delivery(
            seq: seq, delivered: false, articleID: facts.articleID, file: name, feedID: feed.id, feedURL: feed.url,
            link: facts.link, guid: facts.guid, title: article.title, published: facts.published, publishedOffset: facts.publishedOffset,
            firstSeen: facts.firstSeen, decision: facts.isUpdate ? .update : .new, fingerprint: textFingerprint,
            simhash: Int64(bitPattern: simHash), textSource: facts.textSource)
        commit.intents.append(delivery)
        commit.items.append(
            ItemRecord(identity: facts.identityHash, content: facts.content, seq: seq, decision: facts.isUpdate ? .deliveredUpdate : .delivered))
        batch.files.append(ArticleFile(name: name, text: article.rendered))
        batch.fingerprints[textFingerprint] = seq
        batch.simHashes.append((simHash, seq))
        if facts.isUpdate { report.updates += 1 }
    }

    /// Whether a text is a duplicate by the policy: the same fingerprint delivered earlier
    /// in the batch or before, or (with `near`) the nearest SimHash within the threshold.
    private func duplicateDecision(
        _ fingerprint: Int64, _ simHash: UInt64, settings: IngestSettings, batch: Batch
    ) throws(DeliveryError) -> ItemDecision? {
        if settings.dedup.checksText {
            var owner = batch.fingerprints[fingerprint]
            if owner == nil {
                if let looked = batch.stateOwners {
                    owner = looked[fingerprint]
                } else {
                    do { owner = try store.fingerprintOwner(fingerprint) } catch { throw .state(error) }
                }
            }
            if let owner { return .duplicate(of: owner) }
        }
        guard case .near(let threshold) = settings.dedup else { return nil }
        var best: (seq: Int64, distance: Int)?
        for (earlier, seq) in batch.simHashes {
            let distance = SimHash.distance(earlier, simHash)
            if distance <= threshold, SimHashBands.isCloser((seq, distance), than: best) { best = (seq, distance) }
        }
        if best == nil {
            do { best = try store.nearestSimHash(simHash, threshold: threshold) } catch { throw .state(error) }
        }
        return best.map { .nearDuplicate(of: $0.seq, distance: $0.distance) }
    }
}

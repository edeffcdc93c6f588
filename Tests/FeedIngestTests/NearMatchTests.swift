import FeedStore
import Foundation
import Testing
import TestSupport

/// Both states pick the same near-duplicate: of hashes as close to the text, the earlier
/// delivery, whichever band or row finds the later one first.
@Suite struct NearMatchTests {
    @Test(arguments: Backend.allCases) func ofEqualDistancesTheEarlierDeliveryIsTheMatch(_ backend: Backend) throws {
        let site = try Site("near-tie-\(backend)", backend: backend)
        let store = site.site.store
        let feed = try store.ensureFeed(key: "https://e.example/feed", name: nil, now: 0)
        let query: UInt64 = 0
        // The later hash shares the first band with the query; the earlier one only the
        // second band and those after it. Both are two bits away.
        let hashes: [UInt64] = [query ^ 0b11, query ^ (0b11 << 9)]
        var commit = PollCommit(feedID: feed.id, now: 100)
        commit.intents = zip(try store.reserveSequences(hashes.count), hashes).map { seq, hash in
            Delivery(
                seq: seq, delivered: false, articleID: String(format: "%016llx", seq), file: "\(seq).txt", feedID: feed.id, feedURL: feed.url,
                link: nil, guid: nil, title: "T", published: nil, publishedOffset: nil, firstSeen: 100, decision: .new, fingerprint: seq,
                simhash: Int64(bitPattern: hash))
        }
        let first = commit.intents[0].seq
        _ = try store.commit(commit)
        #expect(try store.nearestSimHash(query, threshold: 3)! == (first, 2))
    }
}

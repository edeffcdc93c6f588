import Foundation
import TestSupport
import Testing

@testable import FeedStore

/// Near-duplicate lookups in the SQLite state: SimHashes recorded by commits are found by
/// band in memory, found again after the state is reopened, and forgotten past the window.
@Suite struct NearIndexTests {
    static func delivery(_ seq: Int64, simhash: UInt64, now: Int64) -> Delivery {
        Delivery(
            seq: seq, delivered: false, articleID: String(format: "%016llx", seq), file: "\(seq).txt", feedID: 1, feedURL: "https://e.example/feed",
            link: nil, guid: nil, title: "T", published: nil, publishedOffset: nil, firstSeen: now, decision: .new, fingerprint: seq, simhash: Int64(bitPattern: simhash))
    }

    static func commit(_ store: StateStore, _ hashes: [UInt64], now: Int64) throws {
        var c = PollCommit(feedID: 1, now: now)
        let seqs = store.reserveSequences(hashes.count)
        c.intents = zip(seqs, hashes).map { delivery($0, simhash: $1, now: now) }
        try store.commit(c)
    }

    @Test func hashesAreFoundByBandAcrossReopeningAndForgottenPastTheWindow() throws {
        let dir = try Binaries.tempDirectory("near-index")
        let store = try StateStore(directory: dir.path)
        _ = try store.ensureFeed(key: "https://e.example/feed", name: nil, now: 0)
        let a: UInt64 = 0x0123_4567_89AB_CDEF
        let b: UInt64 = 0xFEDC_BA98_7654_3210
        try Self.commit(store, [a, b], now: 100)
        // Six bits apart in six different bands: only the seventh band is shared.
        let sixAway = a ^ (1 | 1 << 9 | 1 << 18 | 1 << 27 | 1 << 36 | 1 << 45)
        #expect(try store.nearestSimHash(sixAway, threshold: 6)! == (0, 6))
        #expect(try store.nearestSimHash(sixAway, threshold: 5) == nil)
        #expect(try store.nearestSimHash(b ^ 0b111, threshold: 3)! == (1, 3))
        // Committed after the index was loaded: in it at once.
        try Self.commit(store, [a ^ 1], now: 200)
        #expect(try store.nearestSimHash(a ^ 1, threshold: 3)! == (2, 0))

        let reopened = try StateStore(directory: dir.path)
        // The closest now is the later hash, one bit nearer.
        #expect(try reopened.nearestSimHash(sixAway, threshold: 6)! == (2, 5))
        #expect(try reopened.nearestSimHash(b, threshold: 0)! == (1, 0))
        #expect(try reopened.nearestSimHash(a ^ 1, threshold: 0)! == (2, 0))
        // The first commit's hashes leave the window; the second's stay.
        let pruned = try reopened.prune(before: 0, nearBefore: 150)
        #expect(pruned.fingerprints == 2)
        #expect(try reopened.nearestSimHash(b, threshold: 6) == nil)
        #expect(try reopened.nearestSimHash(a, threshold: 6)! == (2, 1))
        #expect(try reopened.size.simhashes == 1)
        #expect(try StateStore(directory: dir.path).nearestSimHash(b, threshold: 6) == nil)
    }

    /// Of two hashes as close to the query, the earlier delivery is the match, whichever
    /// band finds it first: here the later one shares the first band with the query, the
    /// earlier only the second and those after it.
    @Test func ofEqualDistancesTheEarlierDeliveryIsTheMatch() throws {
        let dir = try Binaries.tempDirectory("near-index-tie")
        let store = try StateStore(directory: dir.path)
        _ = try store.ensureFeed(key: "https://e.example/feed", name: nil, now: 0)
        let query: UInt64 = 0
        let earlier = query ^ 0b11  // two bits in the first band
        let later = query ^ (0b11 << 9)  // two bits in the second band
        try Self.commit(store, [earlier, later], now: 100)
        #expect(try store.nearestSimHash(query, threshold: 3)! == (0, 2))
        #expect(try StateStore(directory: dir.path).nearestSimHash(query, threshold: 3)! == (0, 2))
        #expect(SimHashBands.isCloser((1, 2), than: (0, 2)) == false)
        #expect(SimHashBands.isCloser((1, 1), than: (0, 2)))
    }
}

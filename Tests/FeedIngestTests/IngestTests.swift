import FeedCore
import FeedIngest
import FeedSpool
import FeedStore
import Foundation
import Testing

let wireA = """
    WASHINGTON (AP) — The Senate on Tuesday passed a sweeping bill to expand broadband access in rural areas, sending the measure to the House after weeks of negotiations. The legislation, approved 68-32, would provide $42 billion in grants to states over five years to build high-speed internet networks in places where private companies have found it unprofitable. Supporters said the bill would close a digital divide that left millions of Americans without reliable service during the pandemic, when schools and offices moved online. Opponents argued that previous broadband programs wasted money on duplicate projects and that the new grants lacked safeguards. The House is expected to take up the measure next month. President Biden has said he would sign it.
    """
// The same wire story as another outlet ran it: dateline trimmed, last sentence rewritten.
let wireB = """
    WASHINGTON — The Senate on Tuesday passed a sweeping bill to expand broadband access in rural areas, sending the measure to the House after weeks of negotiations. The legislation, approved 68-32, would provide $42 billion in grants to states over five years to build high-speed internet networks in places where private companies have found it unprofitable. Supporters said the bill would close a digital divide that left millions of Americans without reliable service during the pandemic, when schools and offices moved online. Opponents argued that previous broadband programs wasted money on duplicate projects and that the new grants lacked safeguards. The House is expected to take up the measure next month, a spokesman said.
    """
// Another story on a similar subject, same length and register.
let otherStory = """
    CHICAGO — A line of severe thunderstorms swept across the Midwest overnight, knocking out power to more than 400,000 homes and businesses and toppling trees onto roads from Iowa to Ohio. Utility crews worked through the morning to restore service, but officials warned that some customers could be without electricity for several days. The National Weather Service said winds reached 90 miles per hour in places, and at least two tornadoes were confirmed. No deaths were reported, though several people were treated for minor injuries. Schools in parts of Illinois and Indiana closed for the day.
    """

@Suite struct IdentityTests {
    @Test(arguments: Backend.allCases) func theSameItemIsDeliveredOnceAcrossPolls(_ backend: Backend) throws {
        let s = try Site("identity", backend: backend)
        let doc = rss([TestItem(guid: "a", link: "https://e.com/a", title: "A", body: "Alpha."), TestItem(guid: "b", link: "https://e.com/b", title: "B", body: "Beta.")])
        #expect(try s.ingest("https://e.com/feed", doc).delivered.count == 2)
        let again = try s.ingest("https://e.com/feed", doc)
        #expect(again.delivered.isEmpty)
        #expect(again.alreadySeen == 2)
        #expect(try s.spoolFiles().count == 2)
    }

    @Test(arguments: Backend.allCases) func repeatedGUIDsAreToldApartByLink(_ backend: Backend) throws {
        let s = try Site("repeated", backend: backend)
        // 2 of 40 items repeat one GUID (5%: the GUIDs still count as identities).
        var items = (0..<38).map { TestItem(guid: "g\($0)", link: "https://e.com/\($0)", title: "T\($0)", body: "Body \($0).") }
        items.append(TestItem(guid: "same", link: "https://e.com/x", title: "X", body: "Ex."))
        items.append(TestItem(guid: "same", link: "https://e.com/y", title: "Y", body: "Why."))
        let r = try s.ingest("https://e.com/feed", rss(items))
        #expect(r.delivered.count == 40)
        #expect(Set(r.delivered.map(\.articleID)).count == 40)
    }

    @Test(arguments: Backend.allCases) func guidlessAndMostlyBrokenGUIDFeedsFallBackToLinks(_ backend: Backend) throws {
        let s = try Site("guidless", backend: backend)
        let noGuids = (0..<5).map { TestItem(guid: nil, link: "https://e.com/n\($0)", title: "N\($0)", body: "Body \($0).") }
        #expect(try s.ingest("https://e.com/a", rss(noGuids)).delivered.count == 5)
        // Every item has the same GUID: a broken feed; links identify the items.
        let broken = (0..<5).map { TestItem(guid: "1", link: "https://e.com/b\($0)", title: "B\($0)", body: "Broken \($0).") }
        let r = try s.ingest("https://e.com/b", rss(broken))
        #expect(r.delivered.count == 5)
        // Neither GUID nor link: title, date and text identify the item; a second poll is quiet.
        let bare = [TestItem(guid: nil, link: nil, title: "Bare", body: "Nothing but text.")]
        #expect(try s.ingest("https://e.com/c", rss(bare)).delivered.count == 1)
        #expect(try s.ingest("https://e.com/c", rss(bare)).delivered.isEmpty)
    }

    @Test(arguments: Backend.allCases) func theIdIsStableAcrossRestartsAndRendering(_ backend: Backend) throws {
        let s = try Site("stable", backend: backend)
        func doc(_ guid: String) -> String {
            "<rss version=\"2.0\"><channel><title>F</title><item><title>A</title><guid isPermaLink=\"false\">\(guid)</guid><description>Alpha.</description></item></channel></rss>"
        }
        let first = try s.ingest("https://e.com/feed", doc("tag:e.com,2024:a&amp;b")).delivered[0]
        // The GUID is its characters as written: another encoding of the same characters (a
        // CDATA section, a numeric reference) is the same item; a restart changes nothing.
        let reopened = try Site(reopening: s)
        #expect(try reopened.ingest("https://e.com/feed", doc("<![CDATA[tag:e.com,2024:a&b]]>")).delivered.isEmpty)
        #expect(try reopened.ingest("https://e.com/feed", doc("tag:e.com,2024:a&#38;b")).delivered.isEmpty)
        let expected = ArticleID.make(feedKey: "https://e.com/feed", identity: .guid("tag:e.com,2024:a&b"))
        #expect(first.articleID == expected)
        #expect(first.file == "000000000_\(expected).txt")
        // A GUID differing in case is another item (whose text, the same, makes it a duplicate).
        let other = try reopened.ingest("https://e.com/feed", doc("TAG:e.com,2024:a&amp;b"))
        #expect(other.alreadySeen == 0)
        #expect(other.duplicates.count == 1)
    }
}

@Suite struct DedupPolicyTests {
    @Test(arguments: Backend.allCases) func theSameStoryFromTwoFeedsIsDeliveredOnceUnderGlobal(_ backend: Backend) throws {
        let s = try Site("global", backend: backend)
        let story = TestItem(guid: "x1", link: "https://one.com/x", title: "Storm", body: otherStory)
        #expect(try s.ingest("https://one.com/feed", rss([story])).delivered.count == 1)
        var copy = story
        copy.guid = "other-guid"
        copy.link = "https://two.com/y"
        let r = try s.ingest("https://two.com/feed", rss([copy]))
        #expect(r.delivered.isEmpty)
        #expect(r.duplicates.count == 1)
        #expect(r.duplicates[0].reason == "duplicate of 0 (same text)")
        #expect(try s.feed("https://two.com/feed").duplicates == 1)
    }

    @Test(arguments: Backend.allCases) func feedPolicyDeliversBoth(_ backend: Backend) throws {
        let s = try Site("feedpolicy", backend: backend)
        let story = TestItem(guid: "x1", link: "https://one.com/x", title: "Storm", body: otherStory)
        var copy = story
        copy.guid = "x2"
        try s.ingest("https://one.com/feed", rss([story]), settings: IngestSettings(dedup: .feed))
        #expect(try s.ingest("https://two.com/feed", rss([copy]), settings: IngestSettings(dedup: .feed)).delivered.count == 1)
    }

    @Test(arguments: Backend.allCases) func nearDuplicatesAreCaughtAndDifferentStoriesAreNot(_ backend: Backend) throws {
        #expect(SimHash.distance(SimHash.of("Senate passes rural broadband bill\n" + wireA), SimHash.of("Senate approves rural broadband bill\n" + wireB)) <= DedupPolicy.defaultNearThreshold)
        #expect(SimHash.distance(SimHash.of(wireA), SimHash.of(otherStory)) > 20)
        let s = try Site("near", backend: backend)
        let near = IngestSettings(dedup: .near(threshold: DedupPolicy.defaultNearThreshold))
        try s.ingest("https://ap.com/feed", rss([TestItem(guid: "ap1", link: "https://ap.com/1", title: "Senate passes rural broadband bill", body: wireA)]), settings: near)
        let edited = try s.ingest("https://paper.com/feed", rss([TestItem(guid: "p1", link: "https://paper.com/1", title: "Senate approves rural broadband bill", body: wireB)]), settings: near)
        #expect(edited.delivered.isEmpty)
        #expect(edited.duplicates.first?.reason.hasPrefix("near-duplicate of 0") == true)
        let different = try s.ingest("https://paper.com/feed", rss([TestItem(guid: "p2", link: "https://paper.com/2", title: "Storm knocks out power", body: otherStory)]), settings: near)
        #expect(different.delivered.count == 1)
        // Under global the edited story is not an exact duplicate: delivered.
        let g = try Site("near-global", backend: backend)
        try g.ingest("https://ap.com/feed", rss([TestItem(guid: "ap1", link: "https://ap.com/1", title: "Senate passes rural broadband bill", body: wireA)]))
        #expect(try g.ingest("https://paper.com/feed", rss([TestItem(guid: "p1", link: "https://paper.com/1", title: "Senate approves rural broadband bill", body: wireB)])).delivered.count == 1)
    }

    @Test(arguments: Backend.allCases) func changedContentIsIgnoredOrRedelivered(_ backend: Backend) throws {
        let v1 = rss([TestItem(guid: "u", link: "https://e.com/u", title: "Update", body: "First version.")])
        let v2 = rss([TestItem(guid: "u", link: "https://e.com/u", title: "Update", body: "Second version, corrected.")])
        let ignore = try Site("ignore", backend: backend)
        try ignore.ingest("https://e.com/feed", v1)
        #expect(try ignore.ingest("https://e.com/feed", v2).delivered.isEmpty)

        let re = try Site("redeliver", backend: backend)
        let settings = IngestSettings(onUpdate: .redeliver)
        let first = try re.ingest("https://e.com/feed", v1, settings: settings).delivered[0]
        let second = try re.ingest("https://e.com/feed", v2, settings: settings)
        #expect(second.updates == 1)
        #expect(second.delivered[0].articleID == first.articleID)
        #expect(second.delivered[0].seq == first.seq + 1)
        #expect(second.delivered[0].decision == .update)
        #expect(try re.ingest("https://e.com/feed", v2, settings: settings).delivered.isEmpty)
        let files = try re.spoolFiles()
        #expect(files.count == 2)
        #expect(files.values.contains { $0.hasSuffix("Second version, corrected.") })
    }
}

@Suite struct FirstPollTests {
    @Test(arguments: Backend.allCases) func maxAgeAndMaxItemsLimitOnlyTheFirstPoll(_ backend: Backend) throws {
        let clock = TestClock(1_733_400_000)  // 2024-12-05
        let s = try Site("firstpoll", backend: backend, clock: clock)
        let dates = ["Thu, 05 Dec 2024 08:00:00 GMT", "Wed, 04 Dec 2024 08:00:00 GMT", "Mon, 02 Dec 2024 08:00:00 GMT", "Fri, 01 Nov 2024 08:00:00 GMT", "Sun, 01 Jan 2017 08:00:00 GMT"]
        let items = dates.enumerated().map { TestItem(guid: "i\($0.offset)", link: "https://e.com/\($0.offset)", title: "Item \($0.offset)", body: "Text \($0.offset).", date: $0.element) }
        let settings = IngestSettings(maxAge: 30 * 86400, maxItems: 2)
        let r = try s.ingest("https://e.com/feed", rss(items), settings: settings)
        #expect(r.firstPoll)
        #expect(r.tooOld == 2)
        #expect(r.overMaxItems == 1)
        #expect(r.delivered.map(\.title) == ["Item 1", "Item 0"])  // the two newest, oldest first
        // Later polls deliver whatever is new, old or not.
        let later = items + [TestItem(guid: "late", link: "https://e.com/late", title: "Late", body: "Backdated.", date: "Sat, 01 Jan 2000 00:00:00 GMT")]
        let r2 = try s.ingest("https://e.com/feed", rss(later), settings: settings)
        #expect(!r2.firstPoll)
        #expect(r2.delivered.map(\.title) == ["Late"])
    }
}

@Suite struct GraceTests {
    @Test(arguments: Backend.allCases) func anItemThatLeftAndCameBackWithinTheGraceWindowIsNotRedelivered(_ backend: Backend) throws {
        let clock = TestClock()
        let s = try Site("grace", backend: backend, clock: clock)
        let a = TestItem(guid: "a", link: "https://e.com/a", title: "A", body: "Alpha.")
        let b = TestItem(guid: "b", link: "https://e.com/b", title: "B", body: "Beta.")
        try s.ingest("https://e.com/feed", rss([a, b]))
        clock.advance(10 * 86400)
        try s.ingest("https://e.com/feed", rss([b]))  // a left the feed
        clock.advance(30 * 86400)
        try s.site.store.prune(before: clock.now - 90 * 86400)
        #expect(try s.ingest("https://e.com/feed", rss([a, b])).delivered.isEmpty)  // back within 90 days
        // b stays present; a leaves again and is forgotten after the grace window.
        clock.advance(10 * 86400)
        try s.ingest("https://e.com/feed", rss([b]))
        clock.advance(91 * 86400)
        try s.ingest("https://e.com/feed", rss([b]))
        #expect(try s.site.store.prune(before: clock.now - 90 * 86400).items == 1)
        // Its fingerprint is gone too, so the returning item is new again.
        #expect(try s.ingest("https://e.com/feed", rss([a, b])).delivered.map(\.title) == ["A"])
    }
}

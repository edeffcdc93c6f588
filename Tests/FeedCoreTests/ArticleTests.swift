@testable import FeedCore
import Testing
import TestSupport

@Suite struct ArticleTests {
    @Test func rendersTheFormat() {
        let a = Article(id: "7f45605db6789ef2", date: "2024-12-05", title: "T", body: "p1\n\np2")
        #expect(a.rendered == " date 2024-12-05 T\n\np1\n\np2")
        let empty = Article(id: "7f45605db6789ef2", date: "2024-12-05", title: "T", body: "")
        #expect(empty.rendered == " date 2024-12-05 T")
    }

    @Test func fileNames() {
        #expect(Article.fileName(seq: 0, id: "7f45605db6789ef2") == "000_7f45605db6789ef2.txt")
        #expect(Article.fileName(seq: 42, id: "7f45605db6789ef2", width: 9) == "000000042_7f45605db6789ef2.txt")
        #expect(Article.fileName(seq: 12345, id: "7f45605db6789ef2") == "12345_7f45605db6789ef2.txt")
        let parsed = Article.parseFileName("000_7f45605db6789ef2.txt")
        #expect(parsed?.seq == 0 && parsed?.id == "7f45605db6789ef2" && parsed?.width == 3)
        #expect(Article.parseFileName("00_7f45605db6789ef2.txt") == nil)
        #expect(Article.parseFileName("000_7F45605DB6789EF2.txt") == nil)
        #expect(Article.parseFileName(".000_7f45605db6789ef2.txt.tmp") == nil)
    }

    @Test func untitledItemsTakeTheStartOfTheFirstParagraph() {
        #expect(ArticleBuilder<LiteralConverter>.fallbackTitle(body: "Short one\n\nmore", limit: 80) == "Short one")
        let long = "Word " + String(repeating: "abc ", count: 40)
        let t = ArticleBuilder<LiteralConverter>.fallbackTitle(body: long, limit: 20)
        #expect(t == "Word abc abc abc abc")
        #expect(ArticleBuilder<LiteralConverter>.fallbackTitle(body: long, limit: 22) == "Word abc abc abc abc")
    }

    @Test func datesAnUndatedItemByTheUTCDayFirstSeen() {
        var b = ArticleBuilder(converter: LiteralConverter())
        var item = FeedItem()
        item.title = .text("x")
        let seen = FeedDate(secondsSinceEpoch: 1_733_441_400, offsetSeconds: 3600)  // 2024-12-05T23:30Z
        #expect(b.article(for: item, id: "0", firstSeen: seen).date == "2024-12-05")
        item.updated = DateParser.parse("2024-11-30T10:00:00Z")
        #expect(b.article(for: item, id: "0", firstSeen: seen).date == "2024-11-30")
        item.published = DateParser.parse("2024-11-29T23:00:00-02:00")
        #expect(b.article(for: item, id: "0", firstSeen: seen).date == "2024-11-29")
    }

    @Test func contentWinsOverSummaryAndEmptyContentFallsBack() {
        var b = ArticleBuilder(converter: LiteralConverter())
        var item = FeedItem()
        item.summary = .text("summary")
        item.content = .text("content")
        #expect(b.bodyText(of: item) == "content")
        item.content = .html("   ")
        #expect(b.bodyText(of: item) == "summary")
    }
}

@Suite struct IdentityTests {
    func item(guid: String?, link: String?, title: String = "t") -> FeedItem {
        var i = FeedItem()
        i.guid = guid
        i.link = link
        i.title = .text(title)
        return i
    }

    @Test func guidThenLinkThenContent() {
        // 2 of 42 items (4.8%) without a GUID: GUIDs stay the identity.
        let ids = ItemIdentity.assign(to: [
            item(guid: "g1", link: "l1"), item(guid: nil, link: "l2"), item(guid: nil, link: nil, title: "x"),
        ] + (0..<39).map { item(guid: "u\($0)", link: nil) })
        #expect(ids[0] == .guid("g1"))
        #expect(ids[1] == .link("l2"))
        guard case .content = ids[2] else { Issue.record("expected a content identity"); return }
    }

    @Test func repeatedGuidsAreToldApartByLink() {
        var items = [item(guid: "same", link: "a"), item(guid: "same", link: "b")]
        items += (0..<40).map { item(guid: "u\($0)", link: "l\($0)") }
        let ids = ItemIdentity.assign(to: items)
        #expect(ids[0] == .guidAndLink("same", "a"))
        #expect(ids[1] == .guidAndLink("same", "b"))
        #expect(ids[2] == .guid("u0"))
    }

    /// Every item sharing a GUID counts as unusable, however far apart they are: three of
    /// 60 (5 %) keep GUIDs as identities, four (6.7 %) do not.
    @Test func everyRepeatOfAGuidCounts() {
        func items(repeats: Int) -> [FeedItem] {
            (0..<60).map { k in k % 15 == 0 && k / 15 < repeats ? item(guid: "same", link: "l\(k)") : item(guid: "u\(k)", link: "l\(k)") }
        }
        let three = ItemIdentity.assign(to: items(repeats: 3))
        #expect([three[0], three[15], three[30]] == [.guidAndLink("same", "l0"), .guidAndLink("same", "l15"), .guidAndLink("same", "l30")])
        #expect(three[45] == .guid("u45"))
        let four = ItemIdentity.assign(to: items(repeats: 4))
        #expect(four[45] == .link("l45"))
        #expect(four[1] == .link("l1"))
    }

    @Test func mostlyUnusableGuidsFallBackToLinks() {
        // 3 of 20 items lack a GUID: 15% > 5%, so links identify every item.
        var items = (0..<17).map { item(guid: "g\($0)", link: "l\($0)") }
        items += (17..<20).map { item(guid: nil, link: "l\($0)") }
        let ids = ItemIdentity.assign(to: items)
        #expect(ids[0] == .link("l0"))
        #expect(ids[19] == .link("l19"))
    }

    @Test func guidsAreComparedAsWritten() {
        let a = ItemIdentity.assign(to: [item(guid: "HTTP://x/1", link: nil)])
        let b = ItemIdentity.assign(to: [item(guid: "http://x/1", link: nil)])
        #expect(a != b)
    }

    @Test func articleIdsAreStableSixteenHexDigits() {
        let id = ArticleID.make(feedKey: "feed-1", identity: .guid("abc"))
        // Pinned: changing the hash or the key layout would re-deliver every article.
        #expect(id == String(Array(SHA256.hash(Array("feed-1\u{1F}guid:abc".utf8)).prefix(8)).hexString))
        #expect(id.utf8.count == 16)
        #expect(ArticleID.make(feedKey: "feed-2", identity: .guid("abc")) != id)
    }
}

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(_ v: (String, String)) {
        #expect(SHA256.hash(Array(v.0.utf8)).hexString == v.1)
        for hardware in [false, true] {
            var h = SHA256(usingHardware: hardware)
            h.update(Array(v.0.utf8))
            #expect(h.finalize().hexString == v.1, "hardware: \(hardware)")
        }
    }

    /// The CPU's SHA instructions and the portable compression agree on random inputs of
    /// every length up to 16 blocks (on a CPU without them, both are the portable one).
    @Test func theHardwarePathMatchesThePortableOne() {
        var rng = SplitMix64(state: 0x5A4A)
        for length in 0..<1100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var a = SHA256(usingHardware: true)
            var b = SHA256(usingHardware: false)
            bytes.withUnsafeBufferPointer {
                a.update(contiguous: $0)
                b.update(contiguous: $0)
            }
            #expect(a.finalize() == b.finalize(), "length \(length)")
        }
    }

    /// Every length around the block and padding boundaries (55, 56, 64, …), fed in one
    /// piece, in random contiguous pieces and byte by byte: the same digest.
    @Test func contiguousPiecesMatchTheWholeAtEveryLength() {
        var rng = SplitMix64(state: 0x5A256)
        for length in 0..<200 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let whole = SHA256.hash(bytes)
            var pieces = SHA256()
            var i = 0
            while i < length {
                let n = Int.random(in: 1...70, using: &rng)
                let end = min(length, i + n)
                bytes[i..<end].withUnsafeBufferPointer { pieces.update(contiguous: $0) }
                i = end
            }
            #expect(pieces.finalize() == whole, "length \(length)")
            var byByte = SHA256()
            for b in bytes { byByte.update(CollectionOfOne(b)) }
            #expect(byByte.finalize() == whole, "length \(length)")
        }
    }

    @Test func millionAs() {
        var h = SHA256()
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(h.finalize().hexString == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct URLResolverTests {
    // RFC 3986 §5.4.1 normal examples.
    @Test(arguments: [
        ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"),
        ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"), ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"), (";x", "http://a/b/c/;x"), ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"), ("..", "http://a/b/"), ("../", "http://a/b/"), ("../g", "http://a/b/g"),
        ("../..", "http://a/"), ("../../g", "http://a/g"), ("g:h", "g:h"), ("  g  ", "http://a/b/c/g"),
    ])
    func rfcExamples(_ c: (String, String)) {
        #expect(URLResolver.resolve(c.0, against: "http://a/b/c/d;p?q") == c.1)
    }

    @Test func noBase() {
        #expect(URLResolver.resolve("/x", against: nil) == "/x")
        #expect(URLResolver.resolve("/x", against: "not a url") == "/x")
        #expect(URLResolver.resolve("x", against: "http://host") == "http://host/x")
    }
}

@Suite struct CharsetSnifferTests {
    func decide(_ bytes: [UInt8], http: String? = nil) -> CharsetDecision? {
        bytes.withUnsafeBufferPointer { CharsetSniffer.decide(prefix: $0, isComplete: true, httpCharset: http) }
    }

    @Test func orderIsBOMThenDeclarationThenHTTPThenUTF8() {
        #expect(decide([0xEF, 0xBB, 0xBF] + Array("<?xml version='1.0' encoding='koi8-r'?><a/>".utf8))?.charset == .utf8)
        #expect(decide([0xFF, 0xFE, 0x3C, 0x00])?.charset == .utf16LE)
        #expect(decide(Array("<?xml version='1.0' encoding='koi8-r'?><a/>".utf8), http: "gbk")?.charset == .iconv("KOI8-R"))
        #expect(decide(Array("<a>x</a>".utf8), http: "Shift_JIS")?.charset == .iconv("CP932"))
        #expect(decide(Array("<a>x</a>".utf8))?.charset == .utf8)
        #expect(decide(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\u{E9}</a>".utf8).map { $0 })?.charset == .utf8)
        #expect(decide(Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>".utf8) + [0xE9] + Array("</a>".utf8))?.charset == .windows1252)
    }

    @Test func needsMoreBytesBeforeDeciding() {
        let partial = Array("<?xml version='1.0' enc".utf8)
        let d = partial.withUnsafeBufferPointer { CharsetSniffer.decide(prefix: $0, isComplete: false, httpCharset: nil) }
        #expect(d == nil)
    }

    @Test func labels() {
        #expect(Charset(label: "latin1") == .windows1252)
        #expect(Charset(label: " \"UTF8\" ") == .utf8)
        #expect(Charset(label: "gb2312") == .iconv("GB18030"))
        #expect(Charset(label: "") == nil)
    }
}

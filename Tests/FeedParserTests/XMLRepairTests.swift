@testable import FeedParser
import FeedCore
import TestSupport
import Testing

@Suite struct XMLRepairTests {
    func repair(_ s: [UInt8], chunk: Int = Int.max) -> String {
        // With text set aside, as the parser runs it, and the markers expanded: what is set
        // aside must not depend on the chunking either.
        let aside = TextAside()
        var r = XMLRepair(lookupEntity: LibXML.htmlEntity, aside: aside)
        var out: [UInt8] = []
        var i = 0
        repeat {
            let n = min(chunk, s.count - i)
            s[i..<(i + n)].withUnsafeBufferPointer { r.process($0, isFinal: i + n == s.count, into: &out) }
            i += n
        } while i < s.count
        if s.isEmpty { [UInt8]().withUnsafeBufferPointer { r.process($0, isFinal: true, into: &out) } }
        return String(decoding: TextAsideTests.expand(out, aside), as: UTF8.self)
    }

    func repair(_ s: String) -> String { repair(Array(s.utf8)) }

    /// Random documents of the tokens the eight-bytes-at-a-time scans must stop at (CDATA
    /// ends split and doubled, entities, markup, controls, UTF-8, invalid bytes): the output
    /// is the same whole, byte by byte and in random chunks.
    @Test func anyChunkingGivesTheSameOutput() {
        let tokens: [[UInt8]] = ["<a>", "</a>", "<![CDATA[", "]]>", "]", "]]", "]>", ">", "<", "&", "&amp;", "&nbsp;", "\"", "'", "x=\"1\"",
            "plain words ", "longer run of ordinary text", "a longer run with déjà vu in it, past 32 bytes", "\t", "\n", "\u{1}", "é", "€", "<!-- ", " -->", "-", "<?p ", "?>"].map { Array($0.utf8) } + [[0xFF], [0xE2, 0x82]]
        var rng = SplitMix64(state: 42)
        for _ in 0..<300 {
            var doc: [UInt8] = Array("<r>".utf8)
            for _ in 0..<Int.random(in: 5...60, using: &rng) { doc += tokens.randomElement(using: &rng)! }
            let whole = repair(doc)
            #expect(repair(doc, chunk: 1) == whole)
            #expect(repair(doc, chunk: Int.random(in: 2...13, using: &rng)) == whole)
        }
    }

    @Test(arguments: [
        ("<a>AT&T</a>", "<a>AT&amp;T</a>"),
        ("<a>&amp; &lt; &gt; &quot; &apos;</a>", "<a>&amp; &lt; &gt; &quot; &apos;</a>"),
        ("<a>&nbsp;&mdash;&eacute;</a>", "<a>&#160;&#8212;&#233;</a>"),
        ("<a>&#146;&#x93;&#8217;&#0;&#x1;</a>", "<a>&#8217;&#8220;&#8217;</a>"),
        ("<a>&#8217 x</a>", "<a>&#8217; x</a>"),
        ("<a>&bogus; & &;</a>", "<a>&amp;bogus; &amp; &amp;;</a>"),
        ("<a href=\"?a=1&b=2\" t='<'>x</a>", "<a href=\"?a=1&amp;b=2\" t='&lt;'>x</a>"),
        ("<a>1 < 2 <3</a>", "<a>1 &lt; 2 &lt;3</a>"),
        ("<a><![CDATA[a & b < c &nbsp;]]> & </a>", "<a><![CDATA[a & b < c &nbsp;]]> &amp; </a>"),
        ("<!-- a & b --><a/>", "<!-- a & b --><a/>"),
        ("<?pi a & b?><a/>", "<?pi a & b?><a/>"),
        ("<!DOCTYPE x [<!ENTITY e \"&#38;\">]><a>&e;</a>", "<!DOCTYPE x [<!ENTITY e \"&#38;\">]><a>&amp;e;</a>"),
        ("<a>x\u{0001}y\u{0000}z\u{000B}w</a>", "<a>xyz w</a>"),
        ("<a>\u{FFFE}ok\u{FFFF}</a>", "<a>ok</a>"),
        // A control between '<' and a name goes; the tag stays a tag.
        ("<a>\u{0}<\u{0}b>x</\u{1}\u{2}b><\u{0} c</a>", "<a><b>x</b>&lt; c</a>"),
    ])
    func repairs(_ c: (String, String)) {
        #expect(repair(c.0) == c.1, "\(c.0)")
        #expect(repair(Array(c.0.utf8), chunk: 1) == c.1, "\(c.0) byte by byte")
        #expect(repair(Array(c.0.utf8), chunk: 3) == c.1, "\(c.0) in threes")
    }

    @Test func invalidUTF8IsReadAsWindows1252() {
        let bytes: [UInt8] = Array("<a>".utf8) + [0x92, 0xE9, 0x81, 0xE2, 0x80, 0x99, 0xE2, 0x28] + Array("</a>".utf8)
        for chunk in [1, 2, 5, 100] {
            #expect(repair(bytes, chunk: chunk) == "<a>’é’â(</a>", "chunk \(chunk)")
        }
    }
}

/// The repair's one rewrite for speed: CDATA content and long non-ASCII text runs set aside
/// behind markers. What it sets aside, and that a feed parses to exactly the same feed with it
/// or without it, whole or in random chunks.
@Suite struct TextAsideTests {
    static let long = "Déjà vu in Zürich — “quoted” 東京 and more words"

    /// The repair's output with each marker replaced by what it stands for, in a CDATA
    /// section (the pieces of one section in one): the document as libxml2 would read it
    /// without the rewrite but for text runs being CDATA.
    static func expand(_ out: [UInt8], _ aside: TextAside) -> [UInt8] {
        let open = Array("<![CDATA[".utf8)
        var r: [UInt8] = []
        var inSection = false
        var i = 0
        while i < out.count {
            if out[i...].starts(with: open) {
                var j = i + open.count
                var n = 0
                while j < out.count, out[j] >= 0x30 && out[j] <= 0x39 {
                    n = n * 10 + Int(out[j] - 0x30)
                    j += 1
                }
                let digitsEnd = j
                while j < out.count, out[j] == 0x0A { j += 1 }  // the run's line feeds
                if digitsEnd > i + open.count, out[j...].starts(with: "]]>".utf8), n < aside.runs.count {
                    let run = aside.runs[n]
                    if !inSection { r += open }
                    r += aside.bytes[run.start..<(run.start + run.count)]
                    inSection = run.continues
                    if !inSection { r += Array("]]>".utf8) }
                    i = j + 3
                    continue
                }
            }
            r.append(out[i])
            i += 1
        }
        return r
    }

    func raw(_ s: String, chunk: Int = Int.max) -> (String, TextAside) {
        let aside = TextAside()
        var r = XMLRepair(lookupEntity: LibXML.htmlEntity, aside: aside)
        var out: [UInt8] = []
        let bytes = Array(s.utf8)
        var i = 0
        while i < bytes.count {
            let n = min(chunk, bytes.count - i)
            bytes[i..<(i + n)].withUnsafeBufferPointer { r.process($0, isFinal: i + n == bytes.count, into: &out) }
            i += n
        }
        return (String(decoding: out, as: UTF8.self), aside)
    }

    func repair(_ s: String) -> String {
        let (out, aside) = raw(s)
        return String(decoding: Self.expand(Array(out.utf8), aside), as: UTF8.self)
    }

    func runs(_ aside: TextAside) -> [String] {
        aside.runs.map { String(decoding: aside.bytes[$0.start..<($0.start + $0.count)], as: UTF8.self) }
    }

    @Test func longNonASCIIRunsInTheDocumentAreSetAside() {
        let l = Self.long
        let (out, aside) = raw("<a>\(l)</a>")
        #expect(out == "<a><![CDATA[0]]></a>")
        #expect(runs(aside) == [l])
        #expect(repair("<a>\(l)</a>") == "<a><![CDATA[\(l)]]></a>")
        // References libxml2 would report as one character go aside as that character,
        // ASCII-only runs of them too (escaped markup); others end a run.
        #expect(repair("<a>\(l)&amp;\(l)</a>") == "<a><![CDATA[\(l)&\(l)]]></a>")
        let escaped = "&lt;p&gt;Escaped &quot;markup&quot; &amp; &apos;more&apos; &#8217;&#x2019;&#60;/p&gt;"
        #expect(repair("<a>\(escaped)</a>") == "<a><![CDATA[<p>Escaped \"markup\" & 'more' \u{2019}\u{2019}</p>]]></a>")
        #expect(repair("<a>\(l)&#10;\(l)</a>") == "<a><![CDATA[\(l)]]>&#10;<![CDATA[\(l)]]></a>")
        #expect(repair("<a>\(l)&nbsp;\(l)</a>") == "<a><![CDATA[\(l)]]>&#160;<![CDATA[\(l)]]></a>")
        #expect(repair("<a>\(l)&#150;&#12345678;\(l)</a>") == "<a><![CDATA[\(l)]]>&#8211;<![CDATA[\(l)]]></a>")
        // Left as text: ASCII only, short, before the root, holding a CR or a ']'.
        let ascii = String(repeating: "plain ascii words ", count: 4)
        #expect(repair("<a>\(ascii)</a>") == "<a>\(ascii)</a>")
        #expect(repair("<a>café</a>") == "<a>café</a>")
        #expect(repair("\(l)<a/>") == "\(l)<a/>")
        #expect(repair("<a>\(l)\r\n\(l)</a>") == "<a>\(l)\r\n\(l)</a>")
        #expect(repair("<a>\(l)]\(l)</a>") == "<a>\(l)]\(l)</a>")
    }

    @Test func cdataContentIsSetAsideInPiecesAtChunkEnds() {
        let doc = "<a><![CDATA[one <b>two</b> ]] ]]]]></a>"
        let (whole, aside) = raw(doc)
        #expect(whole == "<a><![CDATA[0]]></a>")
        #expect(runs(aside) == ["one <b>two</b> ]] ]]"])
        // Cut anywhere, even between the "]]" and the ">" that end it: pieces of the same
        // content, each a section of its own to libxml2.
        for chunk in 1...12 {
            let (out, a) = raw(doc, chunk: chunk)
            #expect(runs(a).joined() == "one <b>two</b> ]] ]]", "chunks of \(chunk)")
            #expect(a.runs.dropLast().allSatisfy(\.continues) && a.runs.last?.continues == false)
            #expect(out.hasPrefix("<a><![CDATA[0]]>") && out.hasSuffix("]]></a>"))
            #expect(repair(doc) == String(decoding: Self.expand(Array(out.utf8), a), as: UTF8.self))
        }
        // Empty sections are no run; sections before the root stay as they are; a section
        // the document's end cut keeps its opening for libxml2 to see unfinished.
        #expect(raw("<a><![CDATA[]]>x</a>").0 == "<a>x</a>")
        #expect(raw("<![CDATA[x]]><a/>").0 == "<![CDATA[x]]><a/>")
        let (cut, c) = raw("<a><![CDATA[abc")
        #expect(cut == "<a><![CDATA[0]]><![CDATA[")
        #expect(runs(c) == ["abc"])
        // Repairs inside the content go with it.
        let (fixed, f) = raw("<a><![CDATA[x\u{1}y\u{FFFE}z&]]></a>")
        #expect(fixed == "<a><![CDATA[0]]></a>")
        #expect(runs(f) == ["xyz&"])
    }

    @Test func markersNameTheirRunsAndSkippedRunsAreGivenUp() {
        let aside = TextAside()
        for t in ["a", "bb", "ccc"] {
            Array(t.utf8).withUnsafeBufferPointer { aside.append($0) }
            _ = aside.close()
        }
        func take(_ m: String) -> String? {
            var got: String?
            let ok = Array(m.utf8).withUnsafeBufferPointer { aside.take(marker: $0) { got = String(decoding: $0, as: UTF8.self) } }
            return ok ? got : nil
        }
        #expect(take("1") == "bb")
        #expect(take("0") == nil)  // passed: given up
        #expect(take("x") == nil && take("") == nil && take("99") == nil)
        #expect(take("2") == "ccc")
        aside.compact()
        #expect(aside.runs.isEmpty && aside.bytes.isEmpty)
        Array("dd".utf8).withUnsafeBufferPointer { aside.append($0) }
        #expect(aside.close().number == 3)
        #expect(take("3") == "dd")
        // A marker may carry line feeds after its number, and nothing else.
        Array("e\nf\n".utf8).withUnsafeBufferPointer { aside.append($0) }
        #expect(aside.close().lineFeeds == 2)
        #expect(take("4\n\n") == "e\nf\n")
        #expect(take("5\nx") == nil && take("\n5") == nil)
        for text in ["", "x", "\n", "\n\n", "a\nb\nc", String(repeating: "line\n", count: 100) + "end"] {
            let n = Array(text.utf8).withUnsafeBufferPointer { TextAside.lineFeeds(in: $0) }
            #expect(n == text.utf8.filter { $0 == 0x0A }.count, "\(text.debugDescription)")
        }
    }

    /// Runs around the hold-back limit (4 KiB), cut by chunk ends anywhere: the repair's
    /// output, CDATA sections included, is the same whole and in chunks (a run too long to
    /// hold back stays text however it arrives).
    @Test func longRunsAreWrappedTheSameWhateverTheChunking() {
        let unit = "Zürich déjà vu "  // 18 bytes
        for copies in [2, 200, 227, 228, 600] {  // 36, 3,600, 4,086, 4,104 and 10,800 bytes
            let doc = Array("<r><a>\(String(repeating: unit, count: copies))</a><b>\(Self.long)</b></r>".utf8)
            let whole = repairBytes(doc, chunk: Int.max)
            for chunk in [1000, 4095, 4097, 333] {
                #expect(repairBytes(doc, chunk: chunk) == whole, "\(copies * unit.utf8.count)-byte run in chunks of \(chunk)")
            }
            let wrapped = copies * unit.utf8.count <= XMLRepair.cdataHoldBack
            #expect(whole.contains("<a><![CDATA[") == wrapped, "\(copies * unit.utf8.count)-byte run")
        }
    }

    /// The same with runs of references (escaped markup), which a chunk's end may cut in
    /// the middle of a reference.
    @Test func runsOfReferencesAreWrappedTheSameWhateverTheChunking() {
        let unit = "&lt;b&gt;x&lt;/b&gt; &#8217; "  // 30 bytes
        for copies in [1, 2, 136, 137, 300] {  // 30, 60, 4,080, 4,110 and 9,000 bytes
            let doc = Array("<r><a>\(String(repeating: unit, count: copies))</a><b>\(Self.long)</b></r>".utf8)
            let whole = repairBytes(doc, chunk: Int.max)
            for chunk in [1000, 4095, 4097, 333, 7, 1] {
                #expect(repairBytes(doc, chunk: chunk) == whole, "\(copies * unit.utf8.count)-byte run in chunks of \(chunk)")
            }
            let length = copies * unit.utf8.count
            let wrapped = length >= XMLRepair.cdataRun && length <= XMLRepair.cdataHoldBack
            #expect(whole.contains("<a><![CDATA[") == wrapped, "\(length)-byte run")
        }
    }

    func repairBytes(_ bytes: [UInt8], chunk: Int) -> String {
        let aside = TextAside()
        var r = XMLRepair(lookupEntity: LibXML.htmlEntity, aside: aside)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(chunk, bytes.count - i)
            bytes[i..<(i + n)].withUnsafeBufferPointer { r.process($0, isFinal: i + n == bytes.count, into: &out) }
            i += n
        }
        return String(decoding: Self.expand(out, aside), as: UTF8.self)
    }

    /// Text pieces of well-formed content: long non-ASCII runs, references, CRs, ']'.
    static let text = [
        long, long + " " + long, "plain words ", "é", "€ ", "&amp;", "&lt;p&gt;", "&#8217;", "&#x1F600;", "]", "\r\n",
        "\n", "\t", "<![CDATA[" + long + " <b>x</b>]]>", "<![CDATA[]]>", "<!-- \(long) -->", " ",
        "&quot;", "&apos;", "&gt;", "&#38;", "&#60;", "&#x3C;", "&#10;", "&#13;", "&#9;", "&#150;", "&#xFFFE;", "&nbsp;",
        "&#0000039;", "&#12345678;", "&#x10FFFF;", "&lt;p&gt;escaped markup, plain ASCII words &amp; more&lt;/p&gt;",
    ]
    /// Pieces of broken markup too, for the chunking check.
    static let broken = text + ["<", "&", "]]>", "<€", "</x>", "<b>", "\u{1}", "<a b=\"\(long)", "\r"]

    func parse(_ bytes: [UInt8], settingAside: Bool, chunk: Int) throws -> ParsedFeed {
        let parser = StreamingFeedParser(setsTextAside: settingAside)
        var i = 0
        while i < bytes.count {
            let n = min(chunk, bytes.count - i)
            bytes[i..<(i + n)].withUnsafeBufferPointer { parser.feed($0) }
            i += n
        }
        return try parser.finish()
    }

    func document(_ pieces: [String], _ rng: inout SplitMix64) -> [UInt8] {
        func field() -> String {
            (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
        }
        var doc = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>\(field())</title>"
        for k in 0..<Int.random(in: 1...6, using: &rng) {
            doc += "<item><title>\(field())</title><description>\(field())</description>"
            doc += "<content:encoded>\(field())</content:encoded><category>\(field())</category><guid>g\(k)</guid></item>"
        }
        return Array((doc + "</channel></rss>").utf8)
    }

    @Test func aFeedParsesTheSameWithTheRewriteOrWithout() throws {
        var rng = SplitMix64(state: 0xCDA7A)
        for _ in 0..<300 {
            let bytes = document(Self.text, &rng)
            let plain = try parse(bytes, settingAside: false, chunk: Int.max)
            for chunk in [Int.max, Int.random(in: 1...64, using: &rng), Int.random(in: 65...5000, using: &rng)] {
                let wrapped = try parse(bytes, settingAside: true, chunk: chunk)
                #expect(wrapped.items == plain.items, "\(String(decoding: bytes, as: UTF8.self).debugDescription) in chunks of \(chunk)")
                #expect(wrapped.info == plain.info)
                #expect(wrapped.warnings.map(\.message) == plain.warnings.map(\.message))
            }
        }
    }

    /// After its first well-formedness error libxml2 2.9 drops every named reference it
    /// reads, `&lt;` included; references set aside with their run are read by the repair,
    /// so escaped markup there keeps its tags (the fuzz corpus showed `pEscaped emHTML/em`).
    @Test func referencesSetAsideSurviveLibxml2sRecovery() throws {
        let escaped = "&lt;p&gt;Escaped &lt;em&gt;HTML&lt;/em&gt; text, long enough to set aside.&lt;/p&gt;"
        let doc = Array("""
            <rss version="2.0"><channel><title>t</title><item><title>a</titel><guid>g</guid>
            <description>\(escaped)</description></item></channel></rss>
            """.utf8)
        let plain = try parse(doc, settingAside: false, chunk: Int.max)
        #expect(plain.warnings.contains { $0.message.contains("mismatch") }, "\(plain.warnings)")
        #expect(plain.items.first?.summary == .html(UTF8Text("pEscaped emHTML/em text, long enough to set aside./p")))
        for chunk in [Int.max, 5] {
            let set = try parse(doc, settingAside: true, chunk: chunk)
            #expect(set.items.first?.summary == .html(UTF8Text("<p>Escaped <em>HTML</em> text, long enough to set aside.</p>")))
        }
    }

    /// libxml2 still counts the document's lines: its messages after text set aside name
    /// the lines they would without the rewrite (a marker keeps its run's line feeds).
    @Test func messagesNameTheSameLines() throws {
        let multiLine = "\(Self.long)\n\(Self.long)\n\n\(Self.long)"
        let doc = Array("""
            <rss version="2.0"><channel><item><title>t</title>
            <description><![CDATA[a
            b
            c]]></description><category>\(multiLine)</category>
            <guid>g</guid><link>x</linc></item></channel></rss>
            """.utf8)
        let plain = try parse(doc, settingAside: false, chunk: Int.max)
        #expect(plain.warnings.contains { $0.line == 8 }, "\(plain.warnings)")
        for chunk in [Int.max, 7] {
            let set = try parse(doc, settingAside: true, chunk: chunk)
            #expect(set.warnings.map(\.line) == plain.warnings.map(\.line), "chunks of \(chunk)")
            #expect(set.warnings.map(\.message) == plain.warnings.map(\.message))
        }
    }

    /// A CDATA section far longer than a chunk (the parser hands libxml2 64 KiB at a time)
    /// comes out whole however it is cut, and what waits aside stays about a chunk.
    @Test func aLongSectionIsHandedOverInPiecesWithBoundedMemory() throws {
        let body = String(repeating: "<p>\(Self.long)</p>\n", count: 12_000)  // 720 KB
        let doc = Array("<rss version=\"2.0\"><channel><item><title>t</title><description><![CDATA[\(body)]]></description></item></channel></rss>".utf8)
        let plain = try parse(doc, settingAside: false, chunk: Int.max)
        #expect(plain.items.first?.summary == .html(UTF8Text(body)))
        for chunk in [Int.max, 100_000, 4097] {
            let parser = StreamingFeedParser(setsTextAside: true)
            var i = 0
            var most = 0
            while i < doc.count {
                let n = min(chunk, doc.count - i)
                doc[i..<(i + n)].withUnsafeBufferPointer { parser.feed($0) }
                most = max(most, parser.aside?.bytes.capacity ?? 0)
                i += n
            }
            #expect(try parser.finish().items == plain.items, "chunks of \(chunk)")
            #expect(most <= 2 * StreamingFeedParser.sliceSize, "chunks of \(chunk)")
        }
    }

    /// Runs libxml2 will never reach (it stops reading at content after the root element)
    /// are given up past `TextAside.unreadLimit`, not kept for the rest of the document.
    @Test func runsLibxml2StoppedReadingAreGivenUp() throws {
        let section = "<![CDATA[\(String(repeating: Self.long, count: 20))]]>"  // ~1 KB
        let doc = Array(("<rss version=\"2.0\"><channel><item><title>t</title></item></channel></rss>"
            + String(repeating: section, count: 3000)).utf8)  // ~3 MB after the root
        let parser = StreamingFeedParser(setsTextAside: true)
        var most = 0
        var i = 0
        while i < doc.count {
            let n = min(10_000, doc.count - i)
            doc[i..<(i + n)].withUnsafeBufferPointer { parser.feed($0) }
            most = max(most, parser.aside?.bytes.count ?? 0)
            i += n
        }
        #expect(try parser.finish().items.count == 1)
        #expect(most > 0)
        #expect(most <= TextAside.unreadLimit + StreamingFeedParser.sliceSize)
    }

    /// Around broken markup libxml2 may recover differently from a CDATA section than from
    /// text, so what is wrapped must not depend on where the chunks were cut: a broken feed
    /// gives the same feed whole or in chunks, as it does without the rewrite.
    @Test func whatIsWrappedDoesNotDependOnTheChunking() throws {
        var rng = SplitMix64(state: 0xB40CE)
        var compared = 0
        for _ in 0..<300 {
            let bytes = document(Self.broken, &rng)
            let chunk = Int.random(in: 1...300, using: &rng)
            // Only documents libxml2 itself reads the same in chunks say anything here.
            guard let plainWhole = try? parse(bytes, settingAside: false, chunk: Int.max),
                let plainChunked = try? parse(bytes, settingAside: false, chunk: chunk),
                plainWhole.items == plainChunked.items
            else { continue }
            compared += 1
            let whole = try parse(bytes, settingAside: true, chunk: Int.max)
            let chunked = try parse(bytes, settingAside: true, chunk: chunk)
            #expect(chunked.items == whole.items, "\(String(decoding: bytes, as: UTF8.self).debugDescription) in chunks of \(chunk)")
            #expect(chunked.info == whole.info)
        }
        #expect(compared > 100)
    }
}

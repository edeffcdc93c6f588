@testable import FeedParser
import TestSupport
import Testing

@Suite struct XMLRepairTests {
    func repair(_ s: [UInt8], chunk: Int = Int.max) -> String {
        var r = XMLRepair(lookupEntity: LibXML.htmlEntity)
        var out: [UInt8] = []
        var i = 0
        repeat {
            let n = min(chunk, s.count - i)
            s[i..<(i + n)].withUnsafeBufferPointer { r.process($0, isFinal: i + n == s.count, into: &out) }
            i += n
        } while i < s.count
        if s.isEmpty { [UInt8]().withUnsafeBufferPointer { r.process($0, isFinal: true, into: &out) } }
        return String(decoding: out, as: UTF8.self)
    }

    func repair(_ s: String) -> String { repair(Array(s.utf8)) }

    /// Random documents of the tokens the eight-bytes-at-a-time scans must stop at (CDATA
    /// ends split and doubled, entities, markup, controls, UTF-8, invalid bytes): the output
    /// is the same whole, byte by byte and in random chunks.
    @Test func anyChunkingGivesTheSameOutput() {
        let tokens: [[UInt8]] = ["<a>", "</a>", "<![CDATA[", "]]>", "]", "]]", "]>", ">", "<", "&", "&amp;", "&nbsp;", "\"", "'", "x=\"1\"",
            "plain words ", "longer run of ordinary text", "\t", "\n", "\u{1}", "é", "€", "<!-- ", " -->", "-", "<?p ", "?>"].map { Array($0.utf8) } + [[0xFF], [0xE2, 0x82]]
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

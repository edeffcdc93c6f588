import FeedCore
import Testing

/// A markup converter for core tests: treats input as text (the real one is libxml2's).
struct LiteralConverter: MarkupConverter {
    mutating func text(fromHTML html: String) -> String { TextBuilder.oneLine(html) }
}

@Suite struct TextBuilderTests {
    @Test func foldsWhiteSpaceAndNoBreakSpaces() {
        var b = TextBuilder()
        b.append("  a \t\n b\u{00A0}\u{00A0}c  ")
        #expect(b.string == "a b c")
    }

    @Test func paragraphsAreSeparatedByOneEmptyLineAndEmptyOnesVanish() {
        var b = TextBuilder()
        b.breakParagraph()
        b.append("one")
        b.breakParagraph()
        b.breakParagraph()
        b.append("   ")
        b.breakParagraph()
        b.append("two ")
        b.breakParagraph()
        #expect(b.string == "one\n\ntwo")
    }

    @Test func dropsControlCharactersC0DelAndC1() {
        var b = TextBuilder()
        b.append("a\u{0001}b\u{007F}c\u{0085}d\u{009F}e")
        #expect(b.string == "abcde")
    }

    @Test func keepsTypography() {
        var b = TextBuilder()
        b.append("“Assad’s” — 東京 🚀")
        #expect(b.string == "“Assad’s” — 東京 🚀")
    }

    @Test func limitTruncatesAndFlags() {
        var b = TextBuilder(limit: 5)
        b.append("abc")
        b.append("defgh")
        #expect(b.string == "abc")
        #expect(b.truncated)
    }
}

@Suite struct HTMLTextExtractorTests {
    func run(_ events: [(String, String)]) -> String {
        var x = HTMLTextExtractor()
        for (kind, value) in events {
            switch kind {
            case "start": x.start(HTMLTag.classify(value))
            case "end": x.end(HTMLTag.classify(value))
            default:
                var v = value
                v.withUTF8 { x.characters($0) }
            }
        }
        return x.string
    }

    @Test func blocksBreakInlineDoesNot() {
        let s = run([
            ("start", "p"), ("text", "a "), ("start", "em"), ("text", "b"), ("end", "em"), ("end", "p"),
            ("start", "H2"), ("text", "Head"), ("end", "H2"), ("text", "tail"),
        ])
        #expect(s == "a b\n\nHead\n\ntail")
    }

    @Test func oneBrIsASpaceTwoBreakTheParagraph() {
        let s = run([
            ("text", "one"), ("start", "br"), ("end", "br"), ("text", "two"), ("start", "br"), ("end", "br"),
            ("text", " \n "), ("start", "br"), ("end", "br"), ("text", "three"),
        ])
        #expect(s == "one two\n\nthree")
    }

    @Test func skippedElementsDropTheirContent() {
        let s = run([
            ("text", "a"), ("start", "script"), ("text", "x()"), ("start", "p"), ("text", "no"), ("end", "p"),
            ("end", "script"), ("start", "svg"), ("text", "drawing"), ("end", "svg"), ("text", "b"),
        ])
        #expect(s == "ab")
    }

    @Test func tableCellsAreSeparated() {
        let s = run([
            ("start", "tr"), ("start", "td"), ("text", "a"), ("end", "td"), ("start", "td"), ("text", "b"),
            ("end", "td"), ("end", "tr"), ("start", "tr"), ("start", "th"), ("text", "c"), ("end", "th"), ("end", "tr"),
        ])
        #expect(s == "a b\n\nc")
    }

    @Test func classification() {
        #expect(HTMLTag.classify("blockquote") == .block)
        #expect(HTMLTag.classify("FIGCAPTION") == .block)
        #expect(HTMLTag.classify("noscript") == .skip)
        #expect(HTMLTag.classify("span") == .inline)
        #expect(HTMLTag.classify("a") == .inline)
        #expect(HTMLTag.classify("x-unknown") == .inline)
        #expect(HTMLTag.classify("averyveryverylongname") == .inline)
        // Names differing only past what a naive hash would see are distinct.
        #expect(HTMLTag.classify("az") == .inline)
        #expect(HTMLTag.classify("c0") == .inline)
    }
}

@Suite struct RichTextTests {
    @Test func plainTextParagraphsComeFromBlankLines() {
        #expect(RichText.plainParagraphs("a\nb\n\n  \nc <b>\n") == "a b\n\nc <b>")
    }
}

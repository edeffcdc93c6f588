import FeedCore
import TestSupport
import Testing

/// A markup converter for core tests: treats input as text (the real one is libxml2's).
struct LiteralConverter: MarkupConverter {
    mutating func text(fromHTML html: UTF8Text) -> UTF8Text { UTF8Text(TextBuilder.oneLine(html.string)) }
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

    @Test func dropsControlCharactersC0AndDel() {
        var b = TextBuilder()
        b.append("a\u{0001}b\u{007F}c\u{001B}d")
        #expect(b.string == "abcd")
    }

    /// C1 controls are windows-1252 characters read as Latin-1 (HTML5's reading of them);
    /// the five windows-1252 leaves undefined are dropped as the controls they are.
    @Test func readsC1ControlsAsWindows1252() {
        var b = TextBuilder()
        b.append("\u{0093}quoted\u{0094} it\u{0092}s \u{0080}5 \u{0096} done\u{0085}\u{0081}\u{008D}\u{008F}\u{0090}\u{009D}")
        #expect(b.string == "“quoted” it’s €5 – done…")
        #expect(TextBuilder.oneLine("a\u{0097}b") == "a—b")
    }

    @Test func keepsTypography() {
        var b = TextBuilder()
        b.append("“Assad’s” — 東京 🚀")
        #expect(b.string == "“Assad’s” — 東京 🚀")
    }

    /// Random text of the bytes the eight-at-a-time scan must stop at (single and double
    /// spaces at every offset, tabs, line ends, no-break spaces, controls, ¢ sharing the
    /// no-break space's lead byte), appended whole and in random pieces: the same as
    /// folding it one character at a time.
    @Test func foldingMatchesACharacterByCharacterModel() {
        func model(_ s: String) -> String {
            var out = ""
            var pending = false
            for u in s.unicodeScalars {
                switch u.value {
                case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B, 0xA0: if !out.isEmpty { pending = true }
                case 0..<0x20, 0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D: continue
                case 0x85:  // the one C1 control among the tokens: windows-1252's ellipsis
                    if pending { out += " " }
                    pending = false
                    out += "…"
                default:
                    if pending { out += " " }
                    pending = false
                    out.unicodeScalars.append(u)
                }
            }
            return out
        }
        let tokens = ["a", "word", "longer words in a row", " ", "  ", "\t", "\n", "\r\n", "\u{A0}", "\u{1}", "\u{7F}",
            "\u{85}", "é", "¢", "東京", "x y", "ab cd ef gh"]
        var rng = SplitMix64(state: 7)
        for _ in 0..<400 {
            var s = ""
            for _ in 0..<Int.random(in: 1...50, using: &rng) { s += tokens.randomElement(using: &rng)! }
            var whole = TextBuilder()
            whole.append(s)
            #expect(whole.string == model(s), "\(Array(s.utf8))")
            // oneLine, with its shortcut for text folded already (the model's output is).
            #expect(TextBuilder.oneLine(s) == model(s), "\(Array(s.utf8))")
            #expect(TextBuilder.oneLine(model(s)) == model(s))
            // In pieces cut at character boundaries (as libxml2 hands text over).
            var pieces = TextBuilder()
            var rest = Substring(s)
            while !rest.isEmpty {
                let k = Int.random(in: 1...max(1, rest.count), using: &rng)
                pieces.append(String(rest.prefix(k)))
                rest = rest.dropFirst(k)
            }
            #expect(pieces.string == whole.string)
        }
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

    /// The classification contract (ARTICLE-FORMAT rules 7 and 8, plus the other block
    /// containers and the elements whose content is never text).
    static let blocks = [
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr", "dt", "dd",
        "figcaption", "hr", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "caption", "section",
        "article", "aside", "header", "footer", "nav", "figure", "main", "address", "details", "summary",
        "center", "menu", "dir", "hgroup", "fieldset", "legend", "body", "html", "listing", "xmp",
        "plaintext", "frameset", "noframes",
    ]
    static let skips = [
        "script", "style", "noscript", "template", "iframe", "object", "svg", "math", "form", "head",
        "title", "select", "textarea", "button", "applet", "audio", "video", "canvas", "map",
    ]
    static let known: [String: HTMLTag] = {
        var k = [String: HTMLTag]()
        for b in blocks { k[b] = .block }
        for s in skips { k[s] = .skip }
        k["br"] = .lineBreak
        // Void elements hold nothing to skip: text after one is never inside it.
        for void in ["embed", "img", "source", "track", "wbr", "param", "area", "input"] { k[void] = .inline }
        k["td"] = .cell
        k["th"] = .cell
        return k
    }()

    @Test func knownNamesInAnyCase() {
        for (name, kind) in Self.known {
            #expect(HTMLTag.classify(name) == kind, "\(name)")
            #expect(HTMLTag.classify(name.uppercased()) == kind, "\(name)")
        }
        #expect(HTMLTag.classify("span") == .inline)
        #expect(HTMLTag.classify("x-unknown") == .inline)
        #expect(HTMLTag.classify("averyveryverylongname") == .inline)
    }

    /// The lookup works on a numeric encoding of the name: no other name may land on a
    /// known tag's key. Checked over every name of 1–3 letters or digits and every known
    /// name with two adjacent characters changed.
    @Test func noOtherNameIsMistakenForAKnownTag() {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        func check(_ name: String) {
            let kind = HTMLTag.classify(name)
            if kind != .inline { #expect(Self.known[name] == kind, "\(name) classified \(kind)") }
        }
        for a in alphabet {
            check(String(a))
            for b in alphabet {
                check(String([a, b]))
                for c in alphabet { check(String([a, b, c])) }
            }
        }
        for name in Self.known.keys {
            let chars = Array(name)
            for i in 0..<(chars.count - 1) {
                var m = chars
                for a in alphabet {
                    m[i] = a
                    for b in alphabet {
                        m[i + 1] = b
                        check(String(m))
                    }
                }
            }
        }
    }
}

@Suite struct RichTextTests {
    @Test func plainTextParagraphsComeFromBlankLines() {
        #expect(RichText.plainParagraphs("a\nb\n\n  \nc <b>\n") == "a b\n\nc <b>")
    }
}

@Suite struct KeyTableTests {
    /// Every stored key is found with its value, nothing else is (0, the empty slot, included),
    /// also when keys crowd into the same slots.
    @Test func findsExactlyWhatWasStored() {
        var rng = SplitMix64(state: 7)
        var stored: [UInt64: Int] = [:]
        while stored.count < 300 { stored[rng.next() | 1] = stored.count }
        // Multiples of a large power of two share their low bits.
        for k in 1...40 { stored[UInt64(k) << 40] = -k }
        let table = KeyTable(stored.map { ($0.key, $0.value) })
        for (k, v) in stored { #expect(table[k] == v, "\(k)") }
        #expect(table[0] == nil)
        var absent = 0
        for _ in 0..<2000 {
            let k = rng.next() & ~1  // even: never one of the random keys above
            if stored[k] == nil {
                #expect(table[k] == nil)
                absent += 1
            }
        }
        #expect(absent > 1900)
    }
}


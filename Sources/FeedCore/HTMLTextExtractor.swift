/// Turns a stream of HTML events (start tag, end tag, text) into article paragraphs.
///
/// The HTML parser (libxml2) and the Atom `xhtml` reader both drive this one state
/// machine, so markup becomes text by the same rules wherever it comes from
/// (ARTICLE-FORMAT rules 7 and 8): block elements end paragraphs, two or more consecutive
/// `<br>` end a paragraph while one is a space, table cells are separated by a space,
/// inline elements keep only their text, and `script`, `style`, `svg` and the like are
/// dropped with their content.
public struct HTMLTextExtractor: Sendable {
    /// The text built so far.
    public var text: TextBuilder
    private var skipDepth = 0
    private var brRun = 0

    public init(limit: Int = 8 << 20) {
        text = TextBuilder(limit: limit)
    }

    /// Starts over for the next fragment, keeping the text buffer.
    public mutating func reset() {
        text.reset()
        skipDepth = 0
        brRun = 0
    }

    /// An element starts (`HTMLTag.classify` turns its name into `kind`).
    public mutating func start(_ kind: HTMLTag) {
        switch kind {
        case .skip:
            skipDepth += 1
        case .block:
            brRun = 0
            if skipDepth == 0 { text.breakParagraph() }
        case .lineBreak:
            guard skipDepth == 0 else { return }
            brRun += 1
            if brRun >= 2 { text.breakParagraph() } else { text.space() }
        case .cell:
            if skipDepth == 0 { text.space() }
        case .inline:
            break
        }
    }

    /// An element ends.
    public mutating func end(_ kind: HTMLTag) {
        switch kind {
        case .skip:
            if skipDepth > 0 { skipDepth -= 1 }
        case .block:
            brRun = 0
            if skipDepth == 0 { text.breakParagraph() }
        case .cell:
            if skipDepth == 0 { text.space() }
        case .lineBreak, .inline:
            break
        }
    }

    /// Text content (already entity-decoded UTF-8).
    public mutating func characters(_ p: UnsafeBufferPointer<UInt8>) {
        guard skipDepth == 0 else { return }
        if text.append(p) { brRun = 0 }
    }

    /// The paragraphs, joined by `"\n\n"`.
    public var string: String { text.string }
}

/// What an HTML element means for text extraction.
public enum HTMLTag: Sendable {
    /// Starts and ends a paragraph (`p`, `div`, `h1`…`h6`, `li`, `blockquote`, `pre`, `tr`, …).
    case block
    /// `br`: one is a space, two or more in a row end a paragraph.
    case lineBreak
    /// A table cell: a word separator.
    case cell
    /// Dropped with everything inside (`script`, `style`, `svg`, …).
    case skip
    /// Anything else: only its text counts.
    case inline

    /// Classifies a NUL-terminated element name, in any case.
    public static func classify(_ name: UnsafePointer<UInt8>) -> HTMLTag {
        var n = 0
        while n < 11 && name[n] != 0 { n += 1 }
        return classify(UnsafeBufferPointer(start: name, count: n))
    }

    /// Classifies an element name given as its bytes, in any case.
    public static func classify(_ name: UnsafeBufferPointer<UInt8>) -> HTMLTag {
        guard name.count < 11 else { return .inline }
        var key: UInt64 = 0
        for c in name {
            guard let d = digit(c) else { return .inline }
            key = key &* 37 &+ d
        }
        return table[key] ?? .inline
    }

    /// Classifies an element name given as a string.
    public static func classify(_ name: String) -> HTMLTag {
        var s = name + "\0"
        return s.withUTF8 { classify($0.baseAddress!) }
    }

    /// Letters (either case) map to 1…26 and digits to 27…36: names of up to 11 such
    /// characters are then distinct base-37 numbers, so the table cannot confuse two names.
    @inline(__always)
    private static func digit(_ c: UInt8) -> UInt64? {
        switch c {
        case 0x61...0x7A: return UInt64(c - 0x60)
        case 0x41...0x5A: return UInt64(c - 0x40)
        case 0x30...0x39: return UInt64(c - 0x30 + 27)
        default: return nil
        }
    }

    private static let table: KeyTable<HTMLTag> = {
        let blocks = [
            "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "tr",
            "dt", "dd", "figcaption", "hr", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot",
            "caption", "section", "article", "aside", "header", "footer", "nav", "figure", "main",
            "address", "details", "summary", "center", "menu", "dir", "hgroup", "fieldset",
            "legend", "body", "html", "listing", "xmp", "plaintext", "frameset", "noframes",
        ]
        // Void elements (`embed`, `img`, `source`, `wbr`, …) are never skipped: they hold
        // nothing, but libxml2 2.9 does not know some of them as empty and reports the
        // text after one as inside it.
        let skips = [
            "script", "style", "noscript", "template", "iframe", "object", "svg", "math", "form",
            "head", "title", "select", "textarea", "button", "applet", "audio", "video",
            "canvas", "map",
        ]
        func key(_ s: String) -> UInt64 {
            s.utf8.reduce(0) { $0 &* 37 &+ digit($1)! }
        }
        var pairs = blocks.map { (key($0), HTMLTag.block) } + skips.map { (key($0), HTMLTag.skip) }
        pairs += [(key("br"), .lineBreak), (key("td"), .cell), (key("th"), .cell)]
        return KeyTable(pairs)
    }()
}

import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Spares libxml2's HTML parser the plain text of a fragment, which it copies one
/// character at a time (most of its cost on article bodies).
///
/// Every long run of plain text between tags — no `<`, `>`, `&`, quote or control
/// character in it — is replaced by a 7-byte marker before parsing, and the marker is
/// swapped back for the run's bytes when the parser reports it as text. libxml2 still
/// parses every tag, entity, comment and implied element; it only sees a short stand-in for
/// text it would have passed through unchanged. A run keeps its first and last bytes
/// visible-text (never white space), so libxml2 sees text where there was text.
///
/// Start tags also lose their attributes (`<a href="…">` becomes `<a>`): text extraction
/// never reads them, and libxml2 would copy every value into a string of its own.
///
/// And an inline element holding nothing but text (`<em>words</em>`, `<a href="…">link</a>`)
/// is left out whole, tags and all, where libxml2 would only have pushed it on its stack and
/// popped it again: see `InlineDrop` for when that changes nothing it reports. A block's end
/// tag, the white space after it and the start tag of the next block of the same name
/// (`</p>\n<p>`) become one marker too, which stands for that end and start: see `Open`.
///
/// The scanner follows libxml2's reading of markup (attribute quoting, comments) and, at
/// anything it is not sure of — `<!` other than a comment, `<?`, an unterminated tag, the
/// raw text of `script` or `style` and their kin — leaves the rest of the fragment as it is.
/// A fragment that already contains the marker's lead character, or a reference libxml2 would
/// read as it, is left whole.
struct TextRunCondenser {
    /// One replaced run: where it is in the original fragment.
    struct Run {
        var start: Int
        var count: Int
        /// True when the run holds references (each one `reference` reads), which stand for
        /// their characters: `pieces` hands it over decoded.
        var references = false
        /// For a fold (see `Open`): the kind of the block that ends and starts again around
        /// the run, which is then the white space between its end tag and its next start tag.
        var fold: HTMLTag? = nil
    }

    /// The fragment with runs replaced (valid only after `condense` returned true).
    private(set) var skeleton: [UInt8] = []
    /// The replaced runs, by marker index.
    private(set) var runs: [Run] = []

    /// Runs shorter than this are left in place: a marker is 7 bytes.
    static let minimumRun = 16
    /// The marker: U+FDD0 (a noncharacter, so never in text a feed means) and four letters
    /// numbering the run in base 52.
    static let lead: (UInt8, UInt8, UInt8) = (0xEF, 0xB7, 0x90)
    static let markerLength = 7
    static let maxRuns = 52 * 52 * 52 * 52

    /// Fills `skeleton` and `runs` for `p`; false when nothing was replaced (parse `p` as is).
    mutating func condense(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        skeleton.removeAll(keepingCapacity: true)
        runs.removeAll(keepingCapacity: true)
        let n = p.count
        // libxml2 reads a NUL as the end of its input in places (inside an attribute value,
        // for one): where it would, the skeleton's offsets differ. Such fragments go whole.
        // Nor those where libxml2 would make the markers' lead of a reference.
        guard n >= Self.minimumRun, let base = p.baseAddress, !Self.mayHoldLead(p) else { return false }
        skeleton.reserveCapacity(n)
        var copied = 0  // p[..<copied] is in the skeleton already
        changed = false
        var drop = InlineDrop()
        var open: Open? = nil
        var i = 0
        scan: while i < n {
            // Text: find runs up to the next '<'.
            var runStart = -1
            var lastVisible = -1
            var runReferences = false
            while i < n {
                let c = p[i]
                if Self.isOrdinary(c) || c == 0x20 {
                    // Words and the spaces between them, sixteen bytes at a time.
                    let j = fs_scan_html_text(base, n, i + 1)
                    var last = j - 1
                    while last >= i && p[last] == 0x20 { last -= 1 }
                    if last >= i {
                        var first = i
                        while p[first] == 0x20 { first += 1 }
                        if runStart < 0 { runStart = first }
                        lastVisible = last
                    }
                    i = j
                    continue
                }
                if Self.isBlank(c) {
                    i += 1  // white space inside a run is part of it; at its ends it is not
                    continue
                }
                if c == 0x26, let reference = Self.reference(p, at: i, entities) {
                    // A reference libxml2 would report as its character goes on with the
                    // run, which stands for that character (where libxml2 would have looked
                    // the name up, and reported it apart).
                    if runStart < 0 { runStart = i }
                    lastVisible = reference.end - 1
                    runReferences = true
                    i = reference.end
                    continue
                }
                // A byte no run may hold ends the current one.
                if runStart >= 0 {
                    if !emit(p, runStart, lastVisible + 1, references: runReferences, &copied) { break scan }
                    runStart = -1
                    runReferences = false
                }
                if c == 0x3C { break }
                // A character starting with 0xEF is left whole (its continuation bytes
                // would otherwise start the next run).
                i += c == 0xEF ? 3 : 1
                if c == 0x26 {
                    // A reference stays whole before libxml2: &name; &#123; &#x1F; (and
                    // the name of one missing its ';').
                    while i < n, Self.isLetter(p[i]) || (p[i] >= 0x30 && p[i] <= 0x39) || p[i] == 0x23
                        || p[i] == 0x5F || p[i] == 0x3A || p[i] == 0x2E || p[i] == 0x2D
                    {
                        i += 1
                    }
                    if i < n && p[i] == 0x3B { i += 1 }
                }
            }
            if runStart >= 0 {
                if !emit(p, runStart, lastVisible + 1, references: runReferences, &copied) { break scan }
            }
            guard i < n else { break }
            // Markup at '<'.
            if i == drop.endTag {
                // The end tag of an element left out: it goes too.
                skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
                i = drop.endTagEnd
                copied = i
                drop.endTag = -1
                continue
            }
            if let block = open, let fold = Self.fold(p, at: i, block, rawText), runs.count < Self.maxRuns {
                // The block ends and one of the same name starts: both tags and the white
                // space between them become one marker (see `Open`).
                skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
                let name = UnsafeBufferPointer(rebasing: p[(i + 2)..<(i + 2 + block.length)])
                appendMarker(Run(start: fold.space.lowerBound, count: fold.space.count, fold: HTMLTag.classify(name)))
                i = fold.end
                copied = i
                continue
            }
            guard let m = Self.markupEnd(p, at: i, rawText) else { break scan }
            if let nameEnd = m.nameEnd {
                let role = m.selfClosing ? nil : roles[m.nameKey]
                if let role, let close = drop.endOfDroppable(role, p, nameStart: i + 1, nameEnd: nameEnd, contentStart: m.end) {
                    skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
                    copied = m.end
                    drop.endTag = close
                    drop.endTagEnd = close + 3 + (nameEnd - i - 1)
                    changed = true
                    i = m.end
                    continue
                }
                drop.top = role
                open = nil
                if role == .container && !m.selfClosing && m.nameKey != 0 {
                    open = Open(key: m.nameKey, length: nameEnd - i - 1)
                }
                if m.end - nameEnd > (m.selfClosing ? 2 : 1) {
                    skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<nameEnd]))
                    if m.selfClosing { skeleton.append(0x2F) }
                    skeleton.append(0x3E)
                    copied = m.end
                    changed = true
                }
            } else if p[i + 1] == 0x2F || p[i + 1] == 0x21 {
                drop.top = nil  // an end tag or a comment: what is open now is not known here
                open = nil
            }  // else a '<' libxml2 reads as text
            i = m.end
        }
        guard !runs.isEmpty || changed else { return false }
        if drop.endTag >= copied {
            // The scan stopped inside an element left out: its end tag still goes.
            skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<drop.endTag]))
            copied = drop.endTagEnd
        }
        skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied...]))
        return true
    }

    /// A block whose start tag is the last markup copied into the skeleton, with only text
    /// (and inline elements left out) after it: libxml2 has it on top of its stack.
    ///
    /// Its end tag, white space, and a start tag of the same name (`</p>\n<p>`) then fold
    /// into one marker, which stands for the block's end, the white space and its start
    /// again, so that libxml2 reads one block where there were two. What it reports is the
    /// same, and so is its stack after the fold:
    /// - the end tag, exactly `</name>`, closes just the top, which it is;
    /// - the white space is reported as text, with no implied `<p>` (libxml2 opens one for
    ///   text only when nothing, `html` or `head` is open, and white space before a tag
    ///   outside any element counts as blank);
    /// - the start tag closes nothing: libxml2 closes the top of its stack for a new tag by
    ///   the pair of their names alone, and the top is now what it was when the first block
    ///   started — which that same name did not close;
    /// - the stack is then what it was, the same name on the same elements;
    /// - names libxml2 treats apart (`html`, `head`, `body`, raw-text elements) are not
    ///   containers.
    struct Open {
        /// The name packed as in `markupEnd`, and its length.
        var key: UInt64
        var length: Int
    }

    /// When `p[i]` starts `open`'s end tag followed by white space and a start tag of the
    /// same name (not `<name/>`): the white space, and where the start tag ends.
    static func fold(
        _ p: UnsafeBufferPointer<UInt8>, at i: Int, _ open: Open, _ rawText: KeyTable<Bool>
    ) -> (space: Range<Int>, end: Int)? {
        let n = p.count
        let nameEnd = i + 2 + open.length
        guard nameEnd < n, p[i + 1] == 0x2F, p[nameEnd] == 0x3E else { return nil }
        var key: UInt64 = 0
        for k in (i + 2)..<nameEnd {
            let c = p[k]
            guard isNameByte(c) else { return nil }
            key = key &* 41 &+ nameDigit(c)
        }
        guard key == open.key else { return nil }
        var j = nameEnd + 1
        while j < n && isBlank(p[j]) { j += 1 }
        guard j + 1 < n, p[j] == 0x3C, isLetter(p[j + 1]), let m = markupEnd(p, at: j, rawText), let startNameEnd = m.nameEnd,
            !m.selfClosing, m.nameKey == open.key, startNameEnd - j - 1 == open.length
        else { return nil }
        return ((nameEnd + 1)..<j, m.end)
    }

    /// What an element is to `InlineDrop`.
    enum Role {
        /// An element that may be open above an inline element left out: libxml2 keeps it
        /// on its stack until an end tag or another start tag closes it.
        case container
        /// An inline element that may be left out (and may contain one that is).
        case inline
        /// `a`, which may be left out, but whose start tag closes an open `a`.
        case link
    }

    /// Leaving out an inline element that holds only text (`<em>x</em>` inside a `<p>`)
    /// changes nothing libxml2 reports but the element's own start and end, which the
    /// extractor ignores (`HTMLTag.inline`), when:
    /// - its start tag closes nothing: libxml2 closes the top of its stack for a new tag
    ///   only where its table says so (for these elements: an open `head`, and `a` an open
    ///   `a`); the top is known here as the last start tag copied into the skeleton, when
    ///   only text came after it (`top`), and it is one of `roles`, none of them `head`;
    /// - its text needs no implied `<p>`: libxml2 opens one for text when nothing, `html` or
    ///   `head` is open, and `top` is none of those, whether the element is there or not;
    /// - its content is text with something visible in it, and its end tag follows as
    ///   `</name>`: then the last event before the end tag is that text either way, so the
    ///   converter's look back for a real `<p>` (`HTMLToText.isImpliedParagraph`) starts
    ///   from the same place; the text only joins the text around it into one piece.
    struct InlineDrop {
        /// The role of the element on top of libxml2's stack, when known.
        var top: Role?
        /// Where the end tag of the element being left out starts (-1: none), and ends.
        var endTag = -1
        var endTagEnd = -1

        /// Where the end tag of an element that can be left out here starts; nil when it
        /// cannot (see the type's conditions).
        func endOfDroppable(
            _ role: Role, _ p: UnsafeBufferPointer<UInt8>, nameStart: Int, nameEnd: Int, contentStart: Int
        ) -> Int? {
            guard let top, role != .container, !(role == .link && top == .link), let base = p.baseAddress else { return nil }
            let n = p.count
            guard contentStart < n, let found = memchr(base + contentStart, 0x3C, n - contentStart) else { return nil }
            let close = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            let length = nameEnd - nameStart
            guard close + 3 + length <= n, p[close + 1] == 0x2F, p[close + 2 + length] == 0x3E else { return nil }
            for k in 0..<length where p[close + 2 + k] | 0x20 != p[nameStart + k] | 0x20 { return nil }
            // Where the tags were, the text on either side must end and start with whole
            // characters, or joining them would make a character out of two halves; nor
            // may it end in a reference's start (`&nb`, `&#6`), which the text after would
            // complete (found by fuzz-html: `&</em>nbsp;` became a no-break space).
            let tagStart = nameStart - 1
            guard Self.endsWhole(p, at: tagStart), Self.endsWhole(p, at: close),
                !Self.endsInReferenceStart(p, at: tagStart), !Self.endsInReferenceStart(p, at: close),
                contentStart < close, p[contentStart] & 0xC0 != 0x80,
                close + 3 + length == n || p[close + 3 + length] & 0xC0 != 0x80
            else { return nil }
            for k in contentStart..<close where TextRunCondenser.isOrdinary(p[k]) { return close }
            return nil
        }

        /// True when the bytes before `end` end in '&' and letters, digits or '#' only.
        static func endsInReferenceStart(_ p: UnsafeBufferPointer<UInt8>, at end: Int) -> Bool {
            var k = end - 1
            while k >= 0 && k >= end - 40 {
                let c = p[k]
                if c == 0x26 { return true }
                guard TextRunCondenser.isLetter(c) || (c >= 0x30 && c <= 0x39) || c == 0x23 else { return false }
                k -= 1
            }
            return k >= 0
        }

        /// True when the bytes before `end` end with a whole UTF-8 character (or nothing).
        static func endsWhole(_ p: UnsafeBufferPointer<UInt8>, at end: Int) -> Bool {
            guard end > 0, p[end - 1] >= 0x80 else { return true }
            var start = end - 1
            while start > 0 && end - start < 4 && p[start] & 0xC0 == 0x80 { start -= 1 }
            let lead = p[start]
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
            return end - start == length
        }
    }

    /// The elements `InlineDrop` knows, by their names packed as in `markupEnd`.
    static let roles: KeyTable<Role> = {
        let containers = [
            "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dd", "dt",
            "figcaption", "figure", "section", "article", "header", "footer", "aside", "main", "nav",
            "caption", "ul", "ol", "dl",
        ]
        let inline = [
            "em", "strong", "b", "i", "u", "s", "code", "span", "small", "sub", "sup", "cite", "abbr", "q",
            "tt", "kbd", "var", "dfn", "samp", "big", "strike",
        ]
        return KeyTable(
            containers.map { (nameKey($0), Role.container) } + inline.map { (nameKey($0), Role.inline) }
                + [(nameKey("a"), .link)])
    }()

    /// A name of up to 11 bytes packed into a number, as `markupEnd` packs it: base 41, a
    /// digit for each byte libxml2 reads in a name (letters in either case, digits, '-', '.',
    /// ':', '_'), none of them 0, so that no two names share a number. (Six bits a byte, as
    /// it was, gave `gr` the number of `h2`, and a fold took `</h2>` for the end of a `gr`.)
    static func nameKey(_ name: String) -> UInt64 {
        name.utf8.reduce(0) { $0 &* 41 &+ nameDigit($1) }
    }

    @inline(__always)
    static func nameDigit(_ c: UInt8) -> UInt64 {
        let l = c | 0x20
        if l >= 0x61 && l <= 0x7A { return UInt64(l - 0x60) }
        if c >= 0x30 && c <= 0x39 { return UInt64(c - 0x30 + 27) }
        switch c {
        case 0x2D: return 37
        case 0x2E: return 38
        case 0x3A: return 39
        default: return 40  // '_', the one other byte `isNameByte` takes
        }
    }

    /// The entity names looked up so far (for `pieces`).
    let entities = EntityCache()
    // The tables, read at every tag without the check for their one-time set-up.
    private let roles = TextRunCondenser.roles
    private let rawText = TextRunCondenser.rawTextKeys

    /// True once the skeleton differs from the fragment (a tag lost its attributes, an
    /// element was left out, a reference became its character).
    private var changed = false

    /// Replaces p[start..<end] by a marker (when long enough; a shorter run holding
    /// references by the text they stand for); false when out of numbers.
    private mutating func emit(
        _ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, references: Bool, _ copied: inout Int
    ) -> Bool {
        guard end - start >= Self.minimumRun else {
            if references {
                skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<start]))
                let run = Run(start: start, count: end - start, references: true)
                Self.pieces(of: run, in: p, entities) { skeleton.append(contentsOf: $0) }
                copied = end
                changed = true
            }
            return true
        }
        guard runs.count < Self.maxRuns else { return false }
        skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<start]))
        appendMarker(Run(start: start, count: end - start, references: references))
        copied = end
        return true
    }

    /// Appends the marker of the next run to the skeleton, and the run to `runs`.
    private mutating func appendMarker(_ run: Run) {
        var k = runs.count
        skeleton.append(Self.lead.0)
        skeleton.append(Self.lead.1)
        skeleton.append(Self.lead.2)
        var digits: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        digits.3 = Self.letter(k % 52); k /= 52
        digits.2 = Self.letter(k % 52); k /= 52
        digits.1 = Self.letter(k % 52); k /= 52
        digits.0 = Self.letter(k % 52)
        skeleton.append(digits.0)
        skeleton.append(digits.1)
        skeleton.append(digits.2)
        skeleton.append(digits.3)
        runs.append(run)
    }

    /// Calls `body` with the text `run` stands for in `source`, the fragment it was found
    /// in: the bytes themselves, and for each reference its character's UTF-8. Static, with
    /// the condenser's `entities`: a caller that holds the condenser in a class would copy
    /// it, and retain each of its arrays, for every run it called a method of it on.
    static func pieces(
        of run: Run, in source: UnsafeBufferPointer<UInt8>, _ entities: EntityCache, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        let end = run.start + run.count
        guard run.references else {
            body(UnsafeBufferPointer(rebasing: source[run.start..<end]))
            return
        }
        var at = run.start
        while at < end, let amp = source[at..<end].firstIndex(of: 0x26) {
            if amp > at { body(UnsafeBufferPointer(rebasing: source[at..<amp])) }
            // The run holds only references `reference` reads.
            guard let reference = reference(source, at: amp, entities) else { break }
            UTF8Check.withEncoding(reference.value, body)
            at = reference.end
        }
        if at < end { body(UnsafeBufferPointer(rebasing: source[at..<end])) }
    }

    @inline(__always)
    static func isOrdinary(_ c: UInt8) -> Bool {
        c > 0x20 && c != 0x3C && c != 0x3E && c != 0x26 && c != 0x22 && c != 0x27 && c != 0xEF && c != 0x7F
    }

    @inline(__always)
    static func letter(_ v: Int) -> UInt8 {
        v < 26 ? UInt8(0x41 + v) : UInt8(0x61 + v - 26)
    }

    /// True when `m` (7 bytes) has a marker's shape.
    static func isMarker(_ m: UnsafeBufferPointer<UInt8>) -> Bool {
        m.count == markerLength && m[0] == lead.0 && m[1] == lead.1 && m[2] == lead.2
            && index(m[3], m[4], m[5], m[6]) != nil
    }

    /// The run number a marker's four letters spell, or nil when they are not letters.
    static func index(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Int? {
        func v(_ x: UInt8) -> Int? {
            switch x {
            case 0x41...0x5A: return Int(x - 0x41)
            case 0x61...0x7A: return Int(x - 0x61) + 26
            default: return nil
            }
        }
        guard let a = v(a), let b = v(b), let c = v(c), let d = v(d) else { return nil }
        return ((a * 52 + b) * 52 + c) * 52 + d
    }

    /// True when the fragment holds the marker's lead character U+FDD0 itself, a NUL, or a
    /// character reference libxml2 would read as U+FDD0 (`&#xFDD0;`, `&#64976`), whose text
    /// could pass for a marker. One scan finds all three, sixteen bytes at a time: NUL,
    /// 0xEF (which starts only U+E000…U+FFFF) and '&' are what it stops at.
    static func mayHoldLead(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return false }
        let n = p.count
        var i = fs_scan(base, n, 0, 0, 0x00, 0xEF, 0x26, 0x26)
        while i < n {
            switch p[i] {
            case 0x00:
                return true
            case 0xEF:
                if i + 2 < n && p[i + 1] == lead.1 && p[i + 2] == lead.2 { return true }
            default:
                if i + 1 < n && p[i + 1] == 0x23 && number(p, at: i + 2).value == 0xFDD0 { return true }
            }
            i = fs_scan(base, n, i + 1, 0, 0x00, 0xEF, 0x26, 0x26)
        }
        return false
    }
}

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
            // Text: runs up to the next '<'.
            guard condenseText(p, base, &i, &copied) else { break scan }
            guard i < n else { break }
            // Markup at '<'.
            guard condenseMarkup(p, &i, &copied, &drop, &open) else { break scan }
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

    /// The entity names looked up so far (for `pieces`).
    let entities = EntityCache()
    // The tables, read at every tag without the check for their one-time set-up.
    private let roles = TextRunCondenser.roles
    private let rawText = TextRunCondenser.rawTextKeys

    /// True once the skeleton differs from the fragment (a tag lost its attributes, an
    /// element was left out, a reference became its character).
    private var changed = false

    /// Scans text from `p[i]` to the next `<` (or the end), replacing its runs; false when
    /// out of marker numbers.
    @inline(__always)
    private mutating func condenseText(_ p: UnsafeBufferPointer<UInt8>, _ base: UnsafePointer<UInt8>, _ i: inout Int, _ copied: inout Int) -> Bool {
        let n = p.count
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
                if !emit(p, runStart, lastVisible + 1, references: runReferences, &copied) { return false }
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
            if !emit(p, runStart, lastVisible + 1, references: runReferences, &copied) { return false }
        }
        return true
    }

    /// Reads the markup at `p[i]` (a `<`): an element left out goes whole, a fold becomes
    /// one marker, a start tag loses its attributes. False where the scan must stop (the
    /// rest of the fragment goes as it is).
    @inline(__always)
    private mutating func condenseMarkup(
        _ p: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ copied: inout Int, _ drop: inout InlineDrop, _ open: inout Open?
    ) -> Bool {
        if i == drop.endTag {
            // The end tag of an element left out: it goes too.
            skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
            i = drop.endTagEnd
            copied = i
            drop.endTag = -1
            return true
        }
        if let block = open, let fold = Self.fold(p, at: i, block, rawText), runs.count < Self.maxRuns {
            // The block ends and one of the same name starts: both tags and the white
            // space between them become one marker (see `Open`).
            skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
            let name = UnsafeBufferPointer(rebasing: p[(i + 2)..<(i + 2 + block.length)])
            appendMarker(Run(start: fold.space.lowerBound, count: fold.space.count, fold: HTMLTag.classify(name)))
            i = fold.end
            copied = i
            return true
        }
        guard let m = Self.markupEnd(p, at: i, rawText) else { return false }
        if let nameEnd = m.nameEnd {
            let role = m.selfClosing ? nil : roles[m.nameKey]
            if let role, let close = drop.endOfDroppable(role, p, nameStart: i + 1, nameEnd: nameEnd, contentStart: m.end) {
                skeleton.append(contentsOf: UnsafeBufferPointer(rebasing: p[copied..<i]))
                copied = m.end
                drop.endTag = close
                drop.endTagEnd = close + 3 + (nameEnd - i - 1)
                changed = true
                i = m.end
                return true
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
        return true
    }

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
}

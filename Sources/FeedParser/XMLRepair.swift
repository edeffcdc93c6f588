import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Mends the ways real feeds break XML, as a streaming pass over UTF-8 bytes before libxml2
/// sees them, so that the document parses as well-formed instead of through libxml2's
/// recovery.
///
/// Why not rely on recovery alone: after its first well-formedness error libxml2 2.9
/// silently drops *every* later named entity reference, `&amp;` and `&lt;` included, so
/// one stray `&` in a title would garble all escaped HTML after it. The repairs:
/// - a bare `&` that starts no valid reference becomes `&amp;`;
/// - an HTML named entity (`&nbsp;`, `&mdash;`, …), undefined in XML, becomes a numeric
///   reference; a reference to any other undeclared name (including a DTD's own, as in
///   billion-laughs and XXE documents) is kept as literal text, never expanded;
/// - numeric references to C1 code points (`&#146;`) mean windows-1252 and are mapped;
///   references to characters XML forbids (`&#0;`) are removed;
/// - `<` that cannot start markup (`a < b`), and `<` inside an attribute value, become `&lt;`;
/// - control characters XML forbids are removed, everywhere;
/// - a byte that is not part of valid UTF-8 is read as windows-1252.
/// CDATA sections, comments, processing instructions and the DOCTYPE pass through (only
/// controls and UTF-8 are mended there). A token cut by a chunk boundary is held back until
/// the next chunk, so any chunking gives the same output.
///
/// Most chunks need no repair at all: the scan only notes where a repair falls, and a chunk
/// without one is handed on as it came, never copied.
///
/// One rewrite is for speed alone, when the repair is given a `TextAside`: inside the
/// document, the content of every CDATA section, and every long run of text holding
/// non-ASCII characters or references, is set aside and replaced by a marker, a CDATA section holding the
/// run's number. libxml2 reads text one character at a time and a CDATA section in three
/// byte-at-a-time passes; a marker costs it a few bytes, and the feed parser hands the
/// builder the run when libxml2 reports the marker, so the events carry the same
/// characters either way.
/// - A text run goes on through the references libxml2 would report as one character each
///   (`&lt;`, `&amp;`, `&#8217;`: escaped markup is full of them, and libxml2 reads each one
///   apart), which go aside as those characters. Where libxml2 has found the document
///   ill-formed it drops every named reference it reads (see above); the references of runs
///   set aside are not lost that way.
/// - A text run becomes a CDATA section to libxml2. Runs holding a CR or a `]` stay text,
///   so that libxml2 still turns the CR into LF and still reports a `]]>` in text; so do
///   runs longer than `cdataHoldBack`: a run cut by the chunk's end is held back until its
///   end is in view, so that what is replaced depends on the document alone, never on how it
///   was cut into chunks (libxml2 recovers differently from some broken markup around a
///   section).
/// - A CDATA section's content is set aside as it comes, its pieces closed at each chunk's
///   end (so that no more than a chunk waits): libxml2 sees a section for each piece, which
///   it reports exactly as the one section they were.
struct XMLRepair {
    /// How many repairs of each kind were made, for the parser's warnings.
    struct Counts: Equatable {
        var escapedAmpersands = 0
        var htmlEntities = 0
        var escapedLessThan = 0
        var removedControls = 0
        var invalidUTF8 = 0
        var removedReferences = 0

        var total: Int {
            escapedAmpersands + htmlEntities + escapedLessThan + removedControls + invalidUTF8
                + removedReferences
        }
    }

    enum State: Equatable {
        case text, tag, attribute(UInt8), cdata, comment, pi, doctype
    }

    var state = State.text
    var run = 0  // ']' in CDATA, '-' in a comment, '?' seen in a PI
    var doctypeDepth = 0
    var doctypeQuote: UInt8 = 0
    var pending: [UInt8] = []
    var counts = Counts()
    /// The repaired bytes of the chunk being processed, up to `verbatimStart`: empty until
    /// the chunk's first repair.
    var output: [UInt8] = []
    /// Where in the chunk being processed the bytes stop being copied to `output`: from
    /// here on they pass unchanged, until the next repair.
    var verbatimStart = 0
    /// True once the root element has started: text before it must stay text (libxml2
    /// reports it as an error of its own).
    var inDocument = false
    /// Shorter runs stay text: their marker would cost libxml2 about as much as they do.
    static let cdataRun = 32
    /// Longer runs stay text: at most this much is held back waiting for a run's end (held
    /// bytes are scanned again with the next chunk, so a feed trickling in byte by byte costs
    /// this squared at worst).
    static let cdataHoldBack = 4096
    /// True while inside a text run already found longer than `cdataHoldBack`.
    var runTooLong = false
    /// Where runs set aside go; nil to leave the document's text where it is (the parse is
    /// the same either way, which tests check).
    let aside: TextAside?
    /// True inside a CDATA section whose content is being set aside.
    var diverting = false
    let lookupEntity: (UnsafeBufferPointer<UInt8>) -> UInt32?

    /// - Parameters:
    ///   - lookupEntity: the code point of an HTML entity name, or nil.
    ///   - aside: where to set CDATA content and long text runs aside, or nil.
    init(lookupEntity: @escaping (UnsafeBufferPointer<UInt8>) -> UInt32?, aside: TextAside? = nil) {
        self.lookupEntity = lookupEntity
        self.aside = aside
    }

    /// Repairs `input`, appending to `out`. `isFinal` marks the end of the document.
    mutating func process(_ input: UnsafeBufferPointer<UInt8>, isFinal: Bool, into out: inout [UInt8]) {
        process(input, isFinal: isFinal) { out.append(contentsOf: $0) }
    }

    /// Repairs `input` and calls `body` once with the repaired bytes: `input` itself (or
    /// the part of it that could be decided) when nothing in it needed mending. `isFinal`
    /// marks the end of the document.
    mutating func process(_ input: UnsafeBufferPointer<UInt8>, isFinal: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var rest = input
        // Bytes held back from the last chunk go first, joined to as little of this one as
        // gets past them (most chunks end inside a run held back): the rest of the chunk is
        // then read in place, not copied behind them.
        while !pending.isEmpty {
            let k = min(rest.count, max(4096, 2 * pending.count))
            let held = pending.count
            var work = pending
            work.append(contentsOf: UnsafeBufferPointer(rebasing: rest[..<k]))
            pending.removeAll(keepingCapacity: true)
            let last = isFinal && k == rest.count
            let used = work.withUnsafeBufferPointer { w in
                let used = step(w, isFinal: last)
                emit(UnsafeBufferPointer(rebasing: w[..<used]), isFinal: last, body)
                return used
            }
            if last {
                if used < work.count { pending = Array(work[used...]) }
                return
            }
            if used >= held {
                rest = UnsafeBufferPointer(rebasing: rest[(used - held)...])
            } else {
                pending = Array(work[used...])
                rest = UnsafeBufferPointer(rebasing: rest[k...])
                if rest.isEmpty { return }
            }
        }
        let used = step(rest, isFinal: isFinal)
        if used < rest.count { pending = Array(rest[used...]) }
        emit(UnsafeBufferPointer(rebasing: rest[..<used]), isFinal: isFinal, body)
    }

    /// Processes as much of `p` as can be decided; returns how many bytes were used.
    mutating func step(_ p: UnsafeBufferPointer<UInt8>, isFinal: Bool) -> Int {
        Self.classes.withUnsafeBufferPointer { classes in
            let n = p.count
            var i = 0
            while i < n {
                let start = i
                guard let passed = passOrdinary(p, from: start, classes, isFinal: isFinal) else { return start }
                i = passed
                if i > start {
                    // Markers that end a comment/CDATA/PI span only special bytes, so a run
                    // of ordinary bytes resets them.
                    run = 0
                }
                if i == n { break }
                let c = p[i]
                let used: Int?
                if c >= 0x80 {
                    used = repairNonASCII(p, i, isFinal: isFinal)
                    if used != nil { run = 0 }
                } else if c < 0x20 {
                    used = repairControl(p, i)
                } else {
                    used = special(c, p, i, isFinal: isFinal)
                }
                guard let used else { return i }
                i += used
            }
            return n
        }
    }

    /// A byte of 0x80 or more: a valid character passes (U+FFFE and U+FFFF, which are not
    /// XML characters, go); one the chunk's end cut in two waits (nil); a byte that is not
    /// UTF-8 is read as windows-1252. Returns the bytes used.
    @inline(__always)
    mutating func repairNonASCII(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
        let c = p[i]
        let len = UTF8Check.sequenceLength(p, i)
        if len > 0 {
            if len == 3 && c == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE {
                counts.removedControls += 1
                replace(p, i, length: 3, with: EmptyCollection())
            }
            return len
        }
        if !isFinal && UTF8Check.isPrefixOfValid(p, i) { return nil }
        // Its five undefined bytes would be C1 controls, which are dropped.
        let scalar = Windows1252.scalar(c)
        var utf8: [UInt8] = []
        if scalar > 0x9F { UTF8Check.append(scalar, to: &utf8) }
        replace(p, i, length: 1, with: utf8)
        counts.invalidUTF8 += 1
        return 1
    }

    /// A control character XML forbids (tab, line feed and carriage return never come
    /// here). Vertical tab and form feed are white space to a reader: a space keeps the
    /// words they separated apart. Other controls go.
    @inline(__always)
    mutating func repairControl(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = p[i]
        if c == 0x0B || c == 0x0C {
            replace(p, i, length: 1, with: CollectionOfOne(0x20))
        } else {
            replace(p, i, length: 1, with: EmptyCollection())
        }
        counts.removedControls += 1
        return 1
    }

    /// A byte that means something in the current state (markup, a reference, a quote, the
    /// end of a section): the state moves on. Returns the bytes used, or nil when more
    /// input is needed.
    @inline(__always)
    mutating func special(_ c: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
        switch state {
        case .text:
            // '&' or '<'.
            return c == 0x26 ? reference(p, i, isFinal: isFinal) : markupStart(p, i, isFinal: isFinal)
        case .tag:
            if c == 0x3E { state = .text } else if c == 0x22 || c == 0x27 { state = .attribute(c) }
        case .attribute(let quote):
            if c == quote {
                state = .tag
            } else if c == 0x26 {
                return reference(p, i, isFinal: isFinal)
            } else if c == 0x3C {
                replace(p, i, length: 1, with: Self.lessThanReference)
                counts.escapedLessThan += 1
            }
        case .cdata:
            if c == 0x5D {
                run += 1
            } else {
                if c == 0x3E && run >= 2 {
                    state = .text
                    if diverting { endDivertedSection(p, i) }
                }
                run = 0
            }
        case .comment:
            if c == 0x2D {
                run += 1
            } else {
                if c == 0x3E && run >= 2 { state = .text }
                run = 0
            }
        case .pi:
            if c == 0x3E && run > 0 { state = .text }
            run = c == 0x3F ? 1 : 0
        case .doctype:
            if doctypeQuote != 0 {
                if c == doctypeQuote { doctypeQuote = 0 }
            } else if c == 0x22 || c == 0x27 {
                doctypeQuote = c
            } else if c == 0x5B {
                doctypeDepth += 1
            } else if c == 0x5D {
                doctypeDepth = max(0, doctypeDepth - 1)
            } else if c == 0x3E && doctypeDepth == 0 {
                state = .text
            }
        }
        return 1
    }
}

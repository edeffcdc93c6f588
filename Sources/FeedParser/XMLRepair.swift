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

    private enum State: Equatable {
        case text, tag, attribute(UInt8), cdata, comment, pi, doctype
    }

    private var state = State.text
    private var run = 0  // ']' in CDATA, '-' in a comment, '?' seen in a PI
    private var doctypeDepth = 0
    private var doctypeQuote: UInt8 = 0
    private var pending: [UInt8] = []
    var counts = Counts()
    /// The repaired bytes of the chunk being processed, up to `verbatimStart`: empty until
    /// the chunk's first repair.
    private var output: [UInt8] = []
    /// Where in the chunk being processed the bytes stop being copied to `output`: from
    /// here on they pass unchanged, until the next repair.
    private var verbatimStart = 0
    /// True once the root element has started: text before it must stay text (libxml2
    /// reports it as an error of its own).
    private var inDocument = false
    /// Shorter runs stay text: their marker would cost libxml2 about as much as they do.
    static let cdataRun = 32
    /// Longer runs stay text: at most this much is held back waiting for a run's end (held
    /// bytes are scanned again with the next chunk, so a feed trickling in byte by byte costs
    /// this squared at worst).
    static let cdataHoldBack = 4096
    /// True while inside a text run already found longer than `cdataHoldBack`.
    private var runTooLong = false
    /// Where runs set aside go; nil to leave the document's text where it is (the parse is
    /// the same either way, which tests check).
    private let aside: TextAside?
    /// True inside a CDATA section whose content is being set aside.
    private var diverting = false
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

    /// Hands on the repaired form of `p` (the part of the chunk `step` used).
    private mutating func emit(_ p: UnsafeBufferPointer<UInt8>, isFinal: Bool, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        if diverting, let aside {
            // The chunk ends inside a section being set aside: what came of it so far goes
            // out as a piece. A ']' or two at its end may start the section's "]]>", so
            // they wait with the next piece. At the document's end the section stays open
            // for libxml2 too, as it was.
            flush(p, to: p.count)
            if isFinal {
                if aside.openCount > 0 { appendMarker(aside.close()) } else { aside.endSection() }
                output.append(contentsOf: Self.cdataOpen)
                diverting = false
            } else {
                let keep = min(run, 2)
                if aside.openCount > keep { appendMarker(aside.close(keeping: keep, continues: true)) }
            }
        }
        if output.isEmpty && verbatimStart == 0 {
            body(p)
            return
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: p[verbatimStart...]))
        output.withUnsafeBufferPointer { body($0) }
        output.removeAll(keepingCapacity: true)
        verbatimStart = 0
    }

    private static let cdataOpen: [UInt8] = Array("<![CDATA[".utf8)
    private static let cdataClose: [UInt8] = Array("]]>".utf8)

    /// Moves `p[verbatimStart..<end]` to where the bytes go now: the output, or the CDATA
    /// content being set aside.
    private mutating func flush(_ p: UnsafeBufferPointer<UInt8>, to end: Int) {
        let span = UnsafeBufferPointer(rebasing: p[verbatimStart..<end])
        if diverting, let aside {
            aside.append(span)
        } else {
            if output.isEmpty { output.reserveCapacity(p.count + 64) }
            output.append(contentsOf: span)
        }
        verbatimStart = end
    }

    /// Writes the marker of a run just closed: `<![CDATA[number]]>`, with the run's line feeds
    /// before the `]]>`.
    private mutating func appendMarker(_ run: (number: Int, lineFeeds: Int)) {
        let number = run.number
        output.append(contentsOf: Self.cdataOpen)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var v = number
            var k = d.count
            repeat {
                k -= 1
                d[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            } while v > 0
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[k...]))
        }
        if run.lineFeeds > 0 { output.append(contentsOf: repeatElement(0x0A, count: run.lineFeeds)) }
        output.append(contentsOf: Self.cdataClose)
    }

    /// Sets the text `p[start..<end]` aside behind a marker, unless it holds a CR (which
    /// libxml2 would turn into LF) or a `]` (part of a `]]>` libxml2 reports in text).
    /// With `decoding`, its references (all of them `plainReference`s) go aside as the
    /// characters libxml2 would have reported for them.
    private mutating func setAside(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, decoding: Bool) {
        guard let aside, let base = p.baseAddress else { return }
        let run = UnsafeBufferPointer(rebasing: p[start..<end])
        guard fs_scan(base, end, start, 0, 0x0D, 0x5D, 0x0D, 0x5D) == end else { return }
        flush(p, to: start)
        if decoding {
            var at = start
            while at < end, let found = memchr(base + at, 0x26, end - at) {
                let amp = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                aside.append(UnsafeBufferPointer(rebasing: p[at..<amp]))
                // The run holds only references `plainReference` reads.
                guard let reference = Self.plainReference(p, amp) else { break }
                UTF8Check.withEncoding(reference.value) { aside.append($0) }
                at = amp + reference.length
            }
            aside.append(UnsafeBufferPointer(rebasing: p[at..<end]))
        } else {
            aside.append(run)
        }
        appendMarker(aside.close())
        verbatimStart = end
    }

    /// Replaces `p[i..<(i + length)]` by `bytes` in the output.
    mutating func replace(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, length: Int, with bytes: some Collection<UInt8>) {
        flush(p, to: i)
        if diverting, let aside {
            Array(bytes).withUnsafeBufferPointer { aside.append($0) }
        } else {
            output.append(contentsOf: bytes)
        }
        verbatimStart = i + length
    }

    // Byte classes for the fast scan, one bit per state: set = the byte needs a look.
    private static let textBit: UInt8 = 1, tagBit: UInt8 = 2, attributeBit: UInt8 = 4, otherBit: UInt8 = 8
    private static let classes: [UInt8] = (0..<256).map { b in
        let control = b < 0x20 && b != 0x09 && b != 0x0A && b != 0x0D
        let high = b >= 0x80
        var m: UInt8 = 0
        if b == 0x3C || b == 0x26 || high || control { m |= textBit }
        if b == 0x22 || b == 0x27 || b == 0x3E || high || control { m |= tagBit }
        if b == 0x22 || b == 0x27 || b == 0x26 || b == 0x3C || high || control { m |= attributeBit }
        if b == 0x5D || b == 0x2D || b == 0x3F || b == 0x3E || b == 0x22 || b == 0x27 || b == 0x5B || high || control {
            m |= otherBit
        }
        return m
    }

    /// Processes as much of `p` as can be decided; returns how many bytes were used.
    private mutating func step(_ p: UnsafeBufferPointer<UInt8>, isFinal: Bool) -> Int {
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

    /// Fast path: passes over the run of bytes from `start` that need no look in the
    /// current state, valid multi-byte UTF-8 included (one loop per kind of state, so the
    /// state is not looked at per byte); in text, sets long runs aside. Returns where the
    /// next byte that needs a look is, or nil when a text run's end is not in view and the
    /// run waits for more input.
    @inline(__always)
    private mutating func passOrdinary(_ p: UnsafeBufferPointer<UInt8>, from start: Int, _ classes: UnsafeBufferPointer<UInt8>, isFinal: Bool) -> Int? {
        let n = p.count
        var i = start
        switch state {
        case .text:
            // Sixteen bytes at a time while none is markup, a control XML forbids or
            // non-ASCII.
            var nonASCII: Bool
            (i, nonASCII) = Self.skipPlain(p, from: i, classes, Self.textBit) { fs_scan_xml_text($0, $1, $2) }
            if aside != nil && inDocument {
                // A run to set aside goes on through the references whose characters can
                // go aside with it (escaped markup: `&lt;p&gt;`), which libxml2 would read
                // one by one, and the text after them.
                var references = false
                var referenceCut = false
                while i < n && p[i] == 0x26 {
                    guard let reference = Self.plainReference(p, i) else {
                        // One the chunk's end may have cut short: wait for the rest.
                        referenceCut = !isFinal && n - i <= 12 && !p[i...].contains(0x3B)
                        break
                    }
                    references = true
                    let more: Bool
                    (i, more) = Self.skipPlain(p, from: i + reference.length, classes, Self.textBit) { fs_scan_xml_text($0, $1, $2) }
                    nonASCII = nonASCII || more
                }
                // Is the run's end in view? Not at the chunk's end, nor at a character or a
                // reference the chunk's end cut in two.
                let cut = i == n || referenceCut
                    || (!isFinal && p[i] >= 0x80 && UTF8Check.sequenceLength(p, i) == 0 && UTF8Check.isPrefixOfValid(p, i))
                if cut && !isFinal {
                    if !runTooLong && i - start <= Self.cdataHoldBack { return nil }
                    runTooLong = true
                } else {
                    // The same limit as the hold-back's, whether the run came in one chunk
                    // or several.
                    let length = i - start
                    if (nonASCII || references) && !runTooLong && length >= Self.cdataRun && length <= Self.cdataHoldBack {
                        setAside(p, start, i, decoding: references)
                    }
                    runTooLong = false
                }
            }
        case .cdata where run == 0:
            // Only "]]>" ends CDATA: '<', '&', quotes and '>' are content.
            i = Self.skipPlain(p, from: i, classes, Self.otherBit) { fs_scan_xml_cdata($0, $1, $2) }.end
        case .tag:
            // Names and white space inside a tag, sixteen bytes at a time.
            i = Self.skipPlain(p, from: i, classes, Self.tagBit) { fs_scan_xml_tag($0, $1, $2) }.end
        case .attribute:
            // Attribute values (URLs, most of them).
            i = Self.skipPlain(p, from: i, classes, Self.attributeBit) { fs_scan_xml_attribute($0, $1, $2) }.end
        default:
            let bit = Self.otherBit
            while i < n {
                while i < n && classes[Int(p[i])] & bit == 0 { i += 1 }
                guard i < n, p[i] >= 0x80, let len = Self.passableSequence(p, i) else { break }
                i += len
            }
        }
        return i
    }

    /// A byte of 0x80 or more: a valid character passes (U+FFFE and U+FFFF, which are not
    /// XML characters, go); one the chunk's end cut in two waits (nil); a byte that is not
    /// UTF-8 is read as windows-1252. Returns the bytes used.
    @inline(__always)
    private mutating func repairNonASCII(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
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
    private mutating func repairControl(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
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
    private mutating func special(_ c: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
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

    /// The end of the run of bytes from `i` that pass unchanged in a state whose special
    /// bytes `bit` marks in `classes`: sixteen bytes at a time while `scan` (`CByteScan`,
    /// stopping at them and at every non-ASCII byte; called with the bytes, their count
    /// and where to start) finds none, valid multi-byte characters passed one by one;
    /// and whether one was.
    @inline(__always)
    private static func skipPlain(
        _ p: UnsafeBufferPointer<UInt8>, from start: Int, _ classes: UnsafeBufferPointer<UInt8>, _ bit: UInt8,
        scan: (UnsafePointer<UInt8>, Int, Int) -> Int
    ) -> (end: Int, nonASCII: Bool) {
        let n = p.count
        guard let base = p.baseAddress else { return (start, false) }
        var i = start
        var nonASCII = false
        while i < n {
            i = scan(base, n, i)
            guard i < n else { break }
            let c = p[i]
            if classes[Int(c)] & bit == 0 {
                i += 1
            } else if c >= 0x80, let len = passableSequence(p, i) {
                i += len
                nonASCII = true
            } else {
                break
            }
        }
        return (i, nonASCII)
    }

    /// The length of the valid UTF-8 sequence at `p[i]` when it passes unchanged; nil when
    /// the slow path must look at it (invalid, cut short, or U+FFFE/U+FFFF — EF BF BE/BF —
    /// which are not XML characters).
    @inline(__always)
    private static func passableSequence(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let len = UTF8Check.sequenceLength(p, i)
        if len == 0 || (len == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE) { return nil }
        return len
    }

    /// Handles `<` in text. Returns the bytes used, or nil when more input is needed.
    private mutating func markupStart(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
        let n = p.count
        guard i + 1 < n else {
            if !isFinal { return nil }
            return literalLessThan(p, i)
        }
        let d = p[i + 1]
        if isNameStart(d) || d == 0x2F {
            state = .tag
            inDocument = true
            return 1
        }
        if d < 0x20 && d != 0x09 && d != 0x0A && d != 0x0D {
            // Controls between '<' and a name ("<\0item>") go as they would anywhere else;
            // the tag behind them stays a tag.
            var j = i + 1
            while j < n && p[j] < 0x20 && p[j] != 0x09 && p[j] != 0x0A && p[j] != 0x0D { j += 1 }
            if j == n && !isFinal { return nil }
            if j < n && (isNameStart(p[j]) || p[j] == 0x2F) {
                counts.removedControls += j - i - 1
                replace(p, i, length: j - i, with: CollectionOfOne(0x3C))
                state = .tag
                return j - i
            }
        }
        if d == 0x3F {
            state = .pi
            run = 0
            return 2
        }
        guard d == 0x21 else { return literalLessThan(p, i) }
        // "<!": a comment, a CDATA section, or a declaration.
        let comment: [UInt8] = [0x3C, 0x21, 0x2D, 0x2D]
        let cdata: [UInt8] = Array("<![CDATA[".utf8)
        if matches(p, i, comment) == true {
            state = .comment
            run = 0
            return 4
        }
        switch matches(p, i, cdata) {
        case true?:
            state = .cdata
            run = 0
            if aside != nil && inDocument {
                // The section's content is set aside; its markers stand in its place.
                flush(p, to: i)
                verbatimStart = i + cdata.count
                diverting = true
            }
            return cdata.count
        case nil where !isFinal:
            return nil
        default:
            break
        }
        if matches(p, i, comment) == nil && !isFinal { return nil }
        if i + 2 < n && isNameStart(p[i + 2]) {
            state = .doctype
            doctypeDepth = 0
            doctypeQuote = 0
            return 2
        }
        if i + 2 >= n && !isFinal { return nil }
        return literalLessThan(p, i)
    }

    /// At the `>` (`p[i]`) that ends a section being set aside: its last piece goes out
    /// behind a marker, without the `]]` before the `>`.
    private mutating func endDivertedSection(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) {
        guard let aside else { return }
        flush(p, to: i)
        aside.dropLast(2)
        if aside.openCount > 0 {
            appendMarker(aside.close())
        } else {
            aside.endSection()
        }
        diverting = false
        verbatimStart = i + 1
    }

    private static let lessThanReference: [UInt8] = [0x26, 0x6C, 0x74, 0x3B]  // &lt;

    private mutating func literalLessThan(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        replace(p, i, length: 1, with: Self.lessThanReference)
        counts.escapedLessThan += 1
        return 1
    }

    /// true/false when `p[i...]` does/doesn't start with `word`; nil when it is too short to tell.
    private func matches(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: [UInt8]) -> Bool? {
        for k in 0..<word.count {
            if i + k >= p.count { return nil }
            if p[i + k] != word[k] { return false }
        }
        return true
    }

}

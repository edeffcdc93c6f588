import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

// The elements the condenser leaves out whole (`InlineDrop`) and the blocks it folds
// together (`Open`), with the table of element roles both read.
extension TextRunCondenser {
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
    /// ':', '_'), none of them 0, so that no two names share a number (a fold must never
    /// take one name's end tag for another's).
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
}

import FeedCore

// How the condenser reads markup the way libxml2 does: where a tag ends, its name, the
// elements whose content is raw text.
extension TextRunCondenser {
    /// Markup read at a `<`: the index after it, and for a start tag where its name ends
    /// and whether it closes itself (`/>`, which libxml2 reads as an empty element).
    struct Markup {
        var end: Int
        var nameEnd: Int? = nil
        var selfClosing = false
        /// A start tag's name packed by `nameKey` (0 when longer than 11 bytes).
        var nameKey: UInt64 = 0
    }

    /// Where the markup starting at `p[i] == '<'` ends, the way libxml2 reads it; nil when
    /// the rest of the fragment must be left alone.
    static func markupEnd(_ p: UnsafeBufferPointer<UInt8>, at i: Int, _ rawText: KeyTable<Bool>) -> Markup? {
        let n = p.count
        guard i + 1 < n else { return nil }
        let c = p[i + 1]
        if c == 0x21 {  // <!-- comment -->
            guard i + 3 < n, p[i + 2] == 0x2D, p[i + 3] == 0x2D else { return nil }
            var j = i + 4
            while j + 2 < n {
                if p[j] == 0x2D && p[j + 1] == 0x2D && p[j + 2] == 0x3E { return Markup(end: j + 3) }
                j += 1
            }
            return nil
        }
        if c == 0x2F {  // </name …>: libxml2 skips to the next '>'
            guard i + 2 < n, isLetter(p[i + 2]) else { return nil }
            var j = i + 3
            while j < n && p[j] != 0x3E { j += 1 }
            return j < n ? Markup(end: j + 1) : nil
        }
        guard isLetter(c) else {
            // '<' not opening markup is text to libxml2 as well.
            return c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x30 && c <= 0x39) ? Markup(end: i + 1) : nil
        }
        var j = i + 1
        var key: UInt64 = 0
        var length = 0
        // libxml2's HTML names: letters, digits, ':', '-', '_' and '.'.
        while j < n && isNameByte(p[j]) {
            if length < 12 { key = key &* 41 &+ nameDigit(p[j]) }
            length += 1
            j += 1
        }
        // libxml2 reads at most 100 bytes of a name (htmlParseHTMLName) and the rest as
        // what follows it: names that long are left to it.
        if length >= maxName { return nil }
        if length < 12 && rawText[key] != nil { return nil }
        let nameEnd = j
        let nameKey = length < 12 ? key : 0
        guard let tag = startTagEnd(p, from: j) else { return nil }
        return Markup(end: tag.end, nameEnd: nameEnd, selfClosing: tag.selfClosing, nameKey: nameKey)
    }

    /// The end of a start tag's attributes, as htmlParseStartTag reads them (from just past
    /// its name): after its `>`, or its `/>` when it closes itself. Nil at anything odd
    /// (libxml2 then skips to the next blank or the tag's end): left to it entirely.
    static func startTagEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, selfClosing: Bool)? {
        let n = p.count
        var j = start
        while true {
            while j < n && isBlank(p[j]) { j += 1 }
            guard j < n else { return nil }
            if p[j] == 0x3E { return (j + 1, false) }
            if p[j] == 0x2F && j + 1 < n && p[j + 1] == 0x3E { return (j + 2, true) }
            let first = p[j]
            guard isLetter(first) || first == 0x5F || first == 0x3A || first == 0x2E else { return nil }
            guard let next = attributeEnd(p, from: j) else { return nil }
            j = next
        }
    }

    /// Past one attribute starting at `p[start]` (a name byte): its name, and its value when
    /// it has one (`=` and a quoted or bare value).
    static func attributeEnd(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        let n = p.count
        var j = start + 1
        while j < n && isNameByte(p[j]) { j += 1 }
        if j - start >= maxName { return nil }
        var k = j
        while k < n && isBlank(p[k]) { k += 1 }
        guard k < n else { return nil }
        guard p[k] == 0x3D else { return j }  // an attribute without a value
        k += 1
        while k < n && isBlank(p[k]) { k += 1 }
        guard k < n else { return nil }
        let quote = p[k]
        if quote == 0x22 || quote == 0x27 {
            k += 1
            while k < n && p[k] != quote { k += 1 }
            guard k < n else { return nil }
            return k + 1
        }
        while k < n && !isBlank(p[k]) && p[k] != 0x3E { k += 1 }
        return k
    }

    /// The longest name libxml2's HTML parser reads whole, plus one.
    static let maxName = 100

    @inline(__always)
    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }

    @inline(__always)
    static func isNameByte(_ c: UInt8) -> Bool {
        isLetter(c) || (c >= 0x30 && c <= 0x39) || c == 0x3A || c == 0x2D || c == 0x5F || c == 0x2E
    }

    @inline(__always)
    static func isBlank(_ c: UInt8) -> Bool { c.isXMLSpace }

    /// Elements whose content libxml2 (or a browser) reads as raw text, where a marker
    /// could land in what is not text: the scan stops at them.
    static let rawTextKeys: KeyTable<Bool> = {
        let names = [
            "script", "style", "textarea", "title", "xmp", "plaintext", "iframe", "noembed", "noframes",
            "noscript", "listing", "template",
        ]
        return KeyTable(names.map { (nameKey($0), true) })
    }()
}

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
        // Attributes, as htmlParseStartTag reads them.
        while true {
            while j < n && isBlank(p[j]) { j += 1 }
            guard j < n else { return nil }
            if p[j] == 0x3E { return Markup(end: j + 1, nameEnd: nameEnd, nameKey: nameKey) }
            if p[j] == 0x2F && j + 1 < n && p[j + 1] == 0x3E {
                return Markup(end: j + 2, nameEnd: nameEnd, selfClosing: true, nameKey: nameKey)
            }
            let a = p[j]
            if isLetter(a) || a == 0x5F || a == 0x3A || a == 0x2E {
                let nameStart = j
                j += 1
                while j < n && isNameByte(p[j]) { j += 1 }
                if j - nameStart >= maxName { return nil }
                var k = j
                while k < n && isBlank(p[k]) { k += 1 }
                guard k < n else { return nil }
                if p[k] == 0x3D {
                    k += 1
                    while k < n && isBlank(p[k]) { k += 1 }
                    guard k < n else { return nil }
                    let q = p[k]
                    if q == 0x22 || q == 0x27 {
                        k += 1
                        while k < n && p[k] != q { k += 1 }
                        guard k < n else { return nil }
                        j = k + 1
                    } else {
                        while k < n && !isBlank(p[k]) && p[k] != 0x3E { k += 1 }
                        j = k
                    }
                }
                // else: an attribute without a value; j is after its name
            } else {
                // Not an attribute name: libxml2 skips to the next blank or the tag's end.
                // Anything this odd is left to it entirely.
                return nil
            }
        }
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

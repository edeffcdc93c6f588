import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

// A `<` in text: the markup it starts, or a literal `<`; the end of a CDATA section set
// aside.
extension XMLRepair {
    /// Handles `<` in text. Returns the bytes used, or nil when more input is needed.
    mutating func markupStart(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
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
    mutating func endDivertedSection(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) {
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

    static let lessThanReference: [UInt8] = [0x26, 0x6C, 0x74, 0x3B]  // &lt;

    mutating func literalLessThan(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        replace(p, i, length: 1, with: Self.lessThanReference)
        counts.escapedLessThan += 1
        return 1
    }

    /// true/false when `p[i...]` does/doesn't start with `word`; nil when it is too short to tell.
    func matches(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ word: [UInt8]) -> Bool? {
        for k in 0..<word.count {
            if i + k >= p.count { return nil }
            if p[i + k] != word[k] { return false }
        }
        return true
    }
}

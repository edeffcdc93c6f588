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
        let next = p[i + 1]
        if isNameStart(next) || next == 0x2F {
            state = .tag
            inDocument = true
            return 1
        }
        if next < 0x20 && next != 0x09 && next != 0x0A && next != 0x0D {
            // Controls between '<' and a name ("<\0item>") go as they would anywhere else;
            // the tag behind them stays a tag.
            var end = i + 1
            while end < n && p[end] < 0x20 && p[end] != 0x09 && p[end] != 0x0A && p[end] != 0x0D { end += 1 }
            if end == n && !isFinal { return nil }
            if end < n && (isNameStart(p[end]) || p[end] == 0x2F) {
                counts.removedControls += end - i - 1
                replace(p, i, length: end - i, with: CollectionOfOne(0x3C))
                state = .tag
                return end - i
            }
        }
        if next == 0x3F {
            state = .pi
            run = 0
            return 2
        }
        guard next == 0x21 else { return literalLessThan(p, i) }
        return declarationStart(p, i, isFinal: isFinal)
    }

    /// Handles `<!` in text: a comment, a CDATA section, or a declaration (`<!DOCTYPE`),
    /// or else a literal `<`. Returns the bytes used, or nil when more input is needed.
    private mutating func declarationStart(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
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
        if i + 2 < p.count && isNameStart(p[i + 2]) {
            state = .doctype
            doctypeDepth = 0
            doctypeQuote = 0
            return 2
        }
        if i + 2 >= p.count && !isFinal { return nil }
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

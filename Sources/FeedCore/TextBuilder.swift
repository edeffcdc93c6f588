import CByteScan

/// Builds article text from pieces of UTF-8: folds white space, drops control characters
/// and joins paragraphs with exactly one empty line.
///
/// This is the article format's text rules in one place (rules 4 and 6): any run of
/// spaces, tabs, line breaks and no-break spaces becomes one space, every paragraph is
/// trimmed at both ends, empty paragraphs vanish, and no control character but the line
/// feeds between paragraphs survives (C0 and DEL are dropped; C1 controls are read as the
/// windows-1252 characters they stand for, as HTML5 reads them, or dropped when none).
public struct TextBuilder: Sendable {
    /// The text so far: paragraphs separated by `"\n\n"`.
    public private(set) var bytes: [UInt8] = []
    /// True when input was dropped because the text reached `limit` bytes.
    public private(set) var truncated = false
    private var pendingSpace = false
    private var pendingBreak = false
    private let limit: Int

    /// - Parameter limit: the most bytes of text kept; the rest is dropped and flagged.
    public init(limit: Int = 8 << 20) {
        self.limit = limit
    }

    /// True when no text has been added.
    public var isEmpty: Bool { bytes.isEmpty }

    /// Empties the builder for the next text, keeping its buffer (no allocation per body).
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        truncated = false
        pendingSpace = false
        pendingBreak = false
    }

    /// Ends the current paragraph; the next text starts a new one.
    public mutating func breakParagraph() {
        if !bytes.isEmpty { pendingBreak = true }
        pendingSpace = false
    }

    /// Separates words without ending the paragraph (a single `<br>`, a table cell).
    public mutating func space() {
        if !bytes.isEmpty && !pendingBreak { pendingSpace = true }
    }

    /// Appends a string's text.
    public mutating func append(_ string: String) {
        var s = string
        s.withUTF8 { _ = append($0) }
    }

    /// Appends UTF-8 text, folding white space. Returns true when it held visible text.
    @discardableResult
    public mutating func append(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return false }
        var sawText = false
        var i = 0
        let n = p.count
        while i < n {
            let c = p[i]
            if c > 0x20 && c != 0x7F && c != 0xC2 {
                // A run of ordinary bytes, copied in one go.
                let j = Self.ordinaryRunEnd(p, base, from: i)
                emitSeparator()
                guard bytes.count + (j - i) <= limit else {
                    truncated = true
                    return sawText
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<j]))
                sawText = true
                i = j
                continue
            }
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B:
                space()
                i += 1
            case 0xC2 where i + 1 < n:
                guard appendLatin1Supplement(p[i + 1], sawText: &sawText) else {
                    truncated = true
                    return sawText
                }
                i += 2
            case 0xC2:
                i += 1  // a lone lead byte at the very end: not text
            default:
                i += 1  // C0 control or DEL: dropped
            }
        }
        return sawText
    }

    /// Where the run of ordinary bytes starting at `p[start]` ends: sixteen bytes at a time
    /// while they are ordinary or single spaces between words; the bytes the scan stops at
    /// are looked at one by one.
    @inline(__always)
    private static func ordinaryRunEnd(_ p: UnsafeBufferPointer<UInt8>, _ base: UnsafePointer<UInt8>, from start: Int) -> Int {
        let n = p.count
        var j = start + 1
        while j < n {
            j = fs_scan_folding(base, n, j)
            if j >= n { break }
            let d = p[j]
            if d > 0x20 && d != 0x7F && d != 0xC2 {
                j += 1
            } else if d == 0x20 && j + 1 < n && p[j + 1] > 0x20 && p[j + 1] != 0x7F && p[j + 1] != 0xC2 {
                j += 2  // one space between words needs no folding: keep the run going
            } else {
                break
            }
        }
        return j
    }

    /// The character `0xC2 second` (U+0080…U+00BF) as text: a no-break space folds like any
    /// space; a C1 control is, in a feed, a windows-1252 character that went through a
    /// Latin-1 decoder (or `&#146;` in HTML), read as HTML5 does, as the typographic
    /// character meant (the five bytes windows-1252 leaves undefined stay controls, and are
    /// dropped). False when the limit left no room for it.
    @inline(__always)
    private mutating func appendLatin1Supplement(_ second: UInt8, sawText: inout Bool) -> Bool {
        if second == 0xA0 {
            space()
            return true
        }
        if second >= 0x80 && second <= 0x9F {
            let scalar = Windows1252.scalar(second)
            guard scalar > 0x9F else { return true }
            emitSeparator()
            let written = UTF8Check.withEncoding(scalar) { utf8 -> Bool in
                guard bytes.count + utf8.count <= limit else { return false }
                bytes.append(contentsOf: utf8)
                return true
            }
            if written { sawText = true }
            return written
        }
        emitSeparator()
        guard bytes.count + 2 <= limit else { return false }
        bytes.append(0xC2)
        bytes.append(second)
        sawText = true
        return true
    }

    @inline(__always)
    private mutating func emitSeparator() {
        if pendingBreak {
            bytes.append(0x0A)
            bytes.append(0x0A)
            pendingBreak = false
            pendingSpace = false
        } else if pendingSpace {
            bytes.append(0x20)
            pendingSpace = false
        }
    }

    /// A copy of the text, sized to it: the builder keeps its buffer for the next text
    /// (handing out `bytes` itself would make the next `reset` allocate a new one).
    public var copiedUTF8: UTF8Text {
        bytes.withUnsafeBufferPointer { UTF8Text(copying: $0) }
    }

    /// The text as a string (paragraphs joined by `"\n\n"`).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Folds a string to one line: every paragraph break and white-space run becomes one space.
    public static func oneLine(_ string: String) -> String {
        var s = string
        // Most titles and names are folded already: returned as they are, no copy made.
        if s.withUTF8({ isFolded($0) }) { return string }
        var b = TextBuilder()
        s.withUTF8 { _ = b.append($0) }
        return b.string
    }

    /// True when folding would not change `p`: no white space but single spaces between
    /// visible characters, none at either end, and no control character (nor any character
    /// starting with the byte 0xC2, which no-break spaces and C1 controls share).
    static func isFolded(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress, let first = p.first, let last = p.last else { return true }
        if first == 0x20 || last == 0x20 { return false }
        let n = p.count
        var i = 0
        while i < n {
            // The scan of `append`: single spaces between words pass sixteen bytes at a time.
            i = fs_scan_folding(base, n, i)
            guard i < n else { return true }
            let c = p[i]
            if c > 0x20 && c != 0x7F && c != 0xC2 {
                i += 1  // a false stop
            } else if c == 0x20, i + 1 < n, p[i + 1] > 0x20 && p[i + 1] != 0x7F && p[i + 1] != 0xC2 {
                i += 2
            } else {
                return false
            }
        }
        return true
    }
}

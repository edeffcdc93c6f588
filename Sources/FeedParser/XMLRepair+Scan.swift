import CByteScan
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

// The fast path over bytes that need no look: a class table per byte and state, and the
// skips it drives.
extension XMLRepair {
    // Byte classes for the fast scan, one bit per state: set = the byte needs a look.
    static let textBit: UInt8 = 1, tagBit: UInt8 = 2, attributeBit: UInt8 = 4, otherBit: UInt8 = 8

    static let classes: [UInt8] = (0..<256).map { b in
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

    /// Fast path: passes over the run of bytes from `start` that need no look in the
    /// current state, valid multi-byte UTF-8 included (one loop per kind of state, so the
    /// state is not looked at per byte); in text, sets long runs aside. Returns where the
    /// next byte that needs a look is, or nil when a text run's end is not in view and the
    /// run waits for more input.
    @inline(__always)
    mutating func passOrdinary(_ p: UnsafeBufferPointer<UInt8>, from start: Int, _ classes: UnsafeBufferPointer<UInt8>, isFinal: Bool) -> Int? {
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

    /// The end of the run of bytes from `start` that pass unchanged in a state whose special
    /// bytes `bit` marks in `classes`: sixteen bytes at a time while `scan` (`CByteScan`,
    /// stopping at them and at every non-ASCII byte; called with the bytes, their count
    /// and where to start) finds none, valid multi-byte characters passed one by one;
    /// and whether one was.
    @inline(__always)
    static func skipPlain(
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
    static func passableSequence(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        let len = UTF8Check.sequenceLength(p, i)
        if len == 0 || (len == 3 && p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] >= 0xBE) { return nil }
        return len
    }
}

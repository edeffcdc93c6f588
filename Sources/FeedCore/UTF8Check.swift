import CByteScan

/// UTF-8 validity, for sniffing and for the lossy decoder.
public enum UTF8Check {
    public enum Verdict: Sendable { case ascii, validMultibyte, invalid }

    /// The UTF-8 encoding of `scalar` in the first bytes of `out`; returns how many (1–4).
    /// Allocates nothing: the parsers encode a character per reference with it.
    @inline(__always)
    public static func encode(_ scalar: UInt32, into out: inout (UInt8, UInt8, UInt8, UInt8)) -> Int {
        switch scalar {
        case 0..<0x80:
            out.0 = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out = (UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F), 0, 0)
            return 2
        case 0x800..<0x10000:
            out = (UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F), 0)
            return 3
        default:
            out = (
                UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F), UInt8(0x80 | scalar >> 6 & 0x3F),
                UInt8(0x80 | scalar & 0x3F)
            )
            return 4
        }
    }

    /// Calls `body` with the UTF-8 encoding of `scalar`.
    @inline(__always)
    public static func withEncoding<R>(_ scalar: UInt32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var bytes: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let count = encode(scalar, into: &bytes)
        return withUnsafeBytes(of: &bytes) { body(UnsafeBufferPointer(rebasing: $0.bindMemory(to: UInt8.self)[..<count])) }
    }

    /// Appends the UTF-8 encoding of `scalar`.
    @inline(__always)
    public static func append(_ scalar: UInt32, to out: inout [UInt8]) {
        withEncoding(scalar) { out.append(contentsOf: $0) }
    }

    /// Classifies bytes; an incomplete sequence at the very end counts as valid unless
    /// `isComplete`.
    public static func classify(_ p: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> Verdict {
        var i = 0
        var sawMultibyte = false
        while i < p.count {
            let c = p[i]
            if c < 0x80 { i += 1; continue }
            let len = sequenceLength(p, i)
            if len == 0 {
                if !isComplete && p.count - i < 4 && isPrefixOfValid(p, i) { break }
                return .invalid
            }
            sawMultibyte = true
            i += len
        }
        return sawMultibyte ? .validMultibyte : .ascii
    }

    /// How many valid multi-byte characters and how many bytes that are not UTF-8 `p` holds
    /// (an incomplete sequence at the very end counts as neither unless `isComplete`).
    public static func tally(_ p: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> (multibyte: Int, invalid: Int) {
        guard let base = p.baseAddress else { return (0, 0) }
        var multibyte = 0
        var invalid = 0
        var i = fs_scan_high(base, p.count, 0)
        while i < p.count {
            let len = sequenceLength(p, i)
            if len == 0 {
                if !isComplete && p.count - i < 4 && isPrefixOfValid(p, i) { break }
                invalid += 1
                i += 1
            } else {
                multibyte += 1
                i += len
            }
            i = fs_scan_high(base, p.count, i)
        }
        return (multibyte, invalid)
    }

    /// True when `p` is valid UTF-8 whose every non-ASCII character is part of a character
    /// encoded twice — the UTF-8 bytes of one character read as windows-1252 (or Latin-1)
    /// characters and encoded again, "Ã©" for "é", "â€™" for "’" — and there is at least
    /// one. Any other non-ASCII character makes the reading ambiguous: then it is false.
    public static func looksEncodedTwice(_ p: UnsafeBufferPointer<UInt8>, isComplete: Bool) -> Bool {
        guard let base = p.baseAddress else { return false }
        var found = 0
        var i = fs_scan_high(base, p.count, 0)
        // The byte the character at `k` stands for when read as windows-1252, and its length.
        func byteAt(_ k: Int) -> (byte: UInt8, length: Int)? {
            let len = sequenceLength(p, k)
            guard len > 0 else { return nil }
            var scalar = UInt32(p[k]) & (0xFF >> (len + 1))
            for j in 1..<max(len, 1) { scalar = scalar << 6 | UInt32(p[k + j] & 0x3F) }
            guard let b = Windows1252.byte(for: scalar) else { return nil }
            return (b, len)
        }
        while i < p.count {
            guard let (lead, leadLength) = byteAt(i) else {
                // Cut short by the end of what is in view: what came before decides.
                return !isComplete && p.count - i < 4 && isPrefixOfValid(p, i) && found > 0
            }
            guard lead >= 0xC2 && lead <= 0xF4 else { return false }
            var sequence: (UInt8, UInt8, UInt8, UInt8) = (lead, 0, 0, 0)
            let need = lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3
            var j = i + leadLength
            for k in 1...need {
                if j >= p.count { return !isComplete && found > 0 }
                guard let (b, len) = byteAt(j) else {
                    return !isComplete && p.count - j < 4 && isPrefixOfValid(p, j) && found > 0
                }
                guard b >= 0x80 && b <= 0xBF else { return false }
                switch k {
                case 1: sequence.1 = b
                case 2: sequence.2 = b
                default: sequence.3 = b
                }
                j += len
            }
            let valid = withUnsafeBytes(of: &sequence) { raw in
                sequenceLength(raw.bindMemory(to: UInt8.self), 0) == need + 1
            }
            guard valid else { return false }
            found += 1
            i = fs_scan_high(base, p.count, j)
        }
        return found > 0
    }

    /// Length of the valid UTF-8 sequence at `i` (1…4), or 0 when invalid or cut short.
    /// Rejects overlongs, surrogates and values above U+10FFFF.
    @inline(__always)
    public static func sequenceLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let c = p[i]
        let n = p.count - i
        switch c {
        case 0x00...0x7F:
            return 1
        case 0xC2...0xDF:
            return n >= 2 && p[i + 1] & 0xC0 == 0x80 ? 2 : 0
        case 0xE0...0xEF:
            guard n >= 3, p[i + 2] & 0xC0 == 0x80 else { return 0 }
            let d = p[i + 1]
            let ok: Bool
            switch c {
            case 0xE0: ok = d >= 0xA0 && d <= 0xBF
            case 0xED: ok = d >= 0x80 && d <= 0x9F
            default: ok = d & 0xC0 == 0x80
            }
            return ok ? 3 : 0
        case 0xF0...0xF4:
            guard n >= 4, p[i + 2] & 0xC0 == 0x80, p[i + 3] & 0xC0 == 0x80 else { return 0 }
            let d = p[i + 1]
            let ok: Bool
            switch c {
            case 0xF0: ok = d >= 0x90 && d <= 0xBF
            case 0xF4: ok = d >= 0x80 && d <= 0x8F
            default: ok = d & 0xC0 == 0x80
            }
            return ok ? 4 : 0
        default:
            return 0
        }
    }

    /// True when the bytes from `i` to the end could begin a valid sequence.
    public static func isPrefixOfValid(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let c = p[i]
        let need: Int
        switch c {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return false
        }
        let have = p.count - i
        guard have < need else { return false }
        for k in 1..<have where p[i + k] & 0xC0 != 0x80 { return false }
        if have >= 2 {
            let d = p[i + 1]
            if c == 0xE0 && d < 0xA0 { return false }
            if c == 0xED && d > 0x9F { return false }
            if c == 0xF0 && d < 0x90 { return false }
            if c == 0xF4 && d > 0x8F { return false }
        }
        return true
    }
}

/// windows-1252, the encoding behind most mislabelled Western feeds.
public enum Windows1252 {
    /// The Unicode scalar for a windows-1252 byte; bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D
    /// are undefined and map to their C1 control (dropped later as control characters).
    @inline(__always)
    public static func scalar(_ b: UInt8) -> UInt32 {
        if b < 0x80 || b >= 0xA0 { return UInt32(b) }
        return high[Int(b - 0x80)]
    }

    /// The windows-1252 byte (0x80 or above) that reads as `scalar`: U+0080…U+00FF (the
    /// undefined five and the Latin-1 half) and the 27 characters of 0x80…0x9F.
    public static func byte(for scalar: UInt32) -> UInt8? {
        if scalar >= 0x80 && scalar <= 0xFF { return UInt8(scalar) }
        guard scalar > 0xFF, let k = high.firstIndex(of: scalar) else { return nil }
        return UInt8(0x80 + k)
    }

    private static let high: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
}

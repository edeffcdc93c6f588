import FeedCore

// The repair's references: what `&` starts — a reference XML defines, a number, an HTML
// entity made numeric, or a bare `&` escaped — and the test of which references libxml2
// reports as one character (for the text runs set aside).
extension XMLRepair {
    static let ampersandReference: [UInt8] = [0x26, 0x61, 0x6D, 0x70, 0x3B]  // &amp;

    /// The length and the character of the reference at `p[i] == '&'` when libxml2 would
    /// report it as that one character, this repair leaves it alone, and its line count
    /// would not change: one of the five XML defines, or a number (at most 7 digits, ending
    /// in ';') of a character XML allows, neither a control (tab and line ends included) nor
    /// a C1 one; nil else.
    static func plainReference(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (length: Int, value: UInt32)? {
        let n = p.count
        guard i + 3 < n else { return nil }
        let a = p[i + 1], b = p[i + 2], c = p[i + 3]
        if a != 0x23 {
            if a == 0x6C && b == 0x74 && c == 0x3B { return (4, 0x3C) }  // lt
            if a == 0x67 && b == 0x74 && c == 0x3B { return (4, 0x3E) }  // gt
            guard i + 4 < n else { return nil }
            let d = p[i + 4]
            if a == 0x61 && b == 0x6D && c == 0x70 && d == 0x3B { return (5, 0x26) }  // amp
            guard i + 5 < n, p[i + 5] == 0x3B else { return nil }
            if a == 0x71 && b == 0x75 && c == 0x6F && d == 0x74 { return (6, 0x22) }  // quot
            if a == 0x61 && b == 0x70 && c == 0x6F && d == 0x73 { return (6, 0x27) }  // apos
            return nil
        }
        // `&#X41;` is not XML: `reference` rewrites it.
        guard b != 0x58 else { return nil }
        let hex = b == 0x78
        var j = hex ? i + 3 : i + 2
        let digitsStart = j
        var value: UInt32 = 0
        while j < n, j - digitsStart < 8, let v = digitValue(p[j], hex: hex) {
            value = value &* (hex ? 16 : 10) &+ v
            j += 1
        }
        let digits = j - digitsStart
        guard digits > 0, digits <= 7, j < n, p[j] == 0x3B else { return nil }
        guard value >= 0x20, isXMLChar(value), !(0x7F...0x9F).contains(value) else { return nil }
        return (j + 1 - i, value)
    }

    /// Handles `&`. Returns the bytes used, or nil when more input is needed.
    mutating func reference(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, isFinal: Bool) -> Int? {
        let n = p.count
        var j = i + 1
        if j < n && p[j] == 0x23 {  // '#'
            j += 1
            var hex = false
            if j < n && (p[j] | 0x20) == 0x78 { hex = true; j += 1 }
            var value: UInt32 = 0
            var digits = 0
            while j < n, digits <= 8, let v = Self.digitValue(p[j], hex: hex) {
                value = value &* (hex ? 16 : 10) &+ v
                digits += 1
                j += 1
            }
            if j == n && !isFinal { return nil }
            guard digits > 0, digits <= 8 else { return escapeAmpersand(p, i) }
            let terminated = j < n && p[j] == 0x3B
            let used = terminated ? j + 1 - i : j - i
            var scalar = value
            if scalar >= 0x80 && scalar <= 0x9F { scalar = Windows1252.scalar(UInt8(scalar)) }
            guard Self.isXMLChar(scalar), !(scalar >= 0x80 && scalar <= 0x9F) else {
                counts.removedReferences += 1
                replace(p, i, length: used, with: EmptyCollection())
                return used
            }
            // `&#X41;` is HTML's spelling (XML allows only a lowercase x): rewritten too.
            if !terminated || scalar != value || (hex && p[i + 2] == 0x58) {
                replace(p, i, length: used, with: numericReference(scalar))
            }
            return used
        }
        let nameStart = j
        while j < n, j - nameStart <= 32, isNameChar(p[j]) { j += 1 }
        if j == n && !isFinal && j - nameStart <= 32 { return nil }
        guard j < n, p[j] == 0x3B, j > nameStart else { return escapeAmpersand(p, i) }
        let name = UnsafeBufferPointer(rebasing: p[nameStart..<j])
        let used = j + 1 - i
        if isPredefined(name) { return used }
        if let value = lookupEntity(name) {
            replace(p, i, length: used, with: numericReference(value))
            counts.htmlEntities += 1
            return used
        }
        return escapeAmpersand(p, i)
    }

    mutating func escapeAmpersand(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        replace(p, i, length: 1, with: Self.ampersandReference)
        counts.escapedAmpersands += 1
        return 1
    }

    func numericReference(_ value: UInt32) -> [UInt8] {
        [0x26, 0x23] + Array(String(value).utf8) + [0x3B]
    }

    func isPredefined(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        switch name.count {
        case 2: return (name[0] == 0x6C || name[0] == 0x67) && name[1] == 0x74  // lt gt
        case 3: return name[0] == 0x61 && name[1] == 0x6D && name[2] == 0x70  // amp
        case 4:
            return (name[0] == 0x71 && name[1] == 0x75 && name[2] == 0x6F && name[3] == 0x74)  // quot
                || (name[0] == 0x61 && name[1] == 0x70 && name[2] == 0x6F && name[3] == 0x73)  // apos
        default: return false
        }
    }

    @inline(__always) func isNameStart(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c == 0x5F || c == 0x3A || c >= 0x80
    }
    @inline(__always) func isNameChar(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || (c >= 0x30 && c <= 0x39)
    }
    @inline(__always) static func digitValue(_ c: UInt8, hex: Bool) -> UInt32? {
        if c >= 0x30 && c <= 0x39 { return UInt32(c - 0x30) }
        if hex {
            let l = c | 0x20
            if l >= 0x61 && l <= 0x66 { return UInt32(l - 0x61 + 10) }
        }
        return nil
    }
    @inline(__always) static func isXMLChar(_ v: UInt32) -> Bool {
        v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF)
            || (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF)
    }
}

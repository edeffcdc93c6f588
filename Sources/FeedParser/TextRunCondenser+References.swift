import FeedCore

// The references the condenser hands libxml2 as their characters, and the numbers in them.
extension TextRunCondenser {
    /// The character a reference at `p[i] == '&'` stands for, when libxml2 would report
    /// just that character for it as text, so that the skeleton can hold the character
    /// instead: `&eacute;`, `&#8217;`, `&#x2019;`.
    ///
    /// libxml2 looks a name up in its table of HTML 4 entities by comparing it with one
    /// entry after another (about a hundred for `&mdash;`); the names are looked up here in
    /// that same table (`htmlEntityLookup`), once per name, so that the set of names is
    /// libxml2's own. Kept for libxml2: references it reads another way (no ';', names of
    /// more than 8 bytes or with other bytes than letters and digits), and characters that
    /// would read differently as text than as a reference: `<` and `&` (markup), white
    /// space and controls (white space alone is not text that implies a `<p>`), and what
    /// XML forbids.
    static func reference(_ p: UnsafeBufferPointer<UInt8>, at i: Int, _ entities: EntityCache) -> (value: UInt32, end: Int)? {
        let n = p.count
        var j = i + 1
        guard j < n else { return nil }
        var value: UInt32 = 0
        if p[j] == 0x23 {
            let number = Self.number(p, at: j + 1)
            j = number.end
            guard number.digits > 0, j < n, p[j] == 0x3B else { return nil }
            value = number.value
        } else {
            guard Self.isLetter(p[j]) else { return nil }
            let start = j
            var key: UInt64 = 0
            while j < n, Self.isLetter(p[j]) || (p[j] >= 0x30 && p[j] <= 0x39) {
                guard j - start < 8 else { return nil }
                key |= UInt64(p[j]) << (8 * UInt64(j - start))
                j += 1
            }
            guard j < n, p[j] == 0x3B else { return nil }
            value = entities.value(key, UnsafeBufferPointer(rebasing: p[start..<j]))
        }
        let decodable =
            value > 0x20 && value != 0x26 && value != 0x3C && !(0x7F...0x9F).contains(value)
            && !(0xD800...0xDFFF).contains(value) && value != 0xFFFE && value != 0xFFFF && value <= 0x10FFFF
            && value != 0xFDD0
        return decodable ? (value, j + 1) : nil
    }

    /// The number of a character reference whose digits start at `p[i]` (after "&#"),
    /// read as libxml2's htmlParseCharRef does: hexadecimal after an 'x' or 'X', digits up
    /// to the first byte that is not one, the value capped at 0x110000.
    static func number(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, digits: Int, end: Int) {
        let n = p.count
        var j = i
        let hex = j < n && p[j] | 0x20 == 0x78
        if hex { j += 1 }
        let start = j
        var value: UInt32 = 0
        while j < n {
            let c = p[j]
            let digit: UInt32
            if c >= 0x30 && c <= 0x39 {
                digit = UInt32(c - 0x30)
            } else if hex && c | 0x20 >= 0x61 && c | 0x20 <= 0x66 {
                digit = UInt32((c | 0x20) - 0x61 + 10)
            } else {
                break
            }
            value = min(value * (hex ? 16 : 10) + digit, 0x110000)
            j += 1
        }
        return (value, j - start, j)
    }

    /// libxml2's HTML entities by name packed into a number (bytes from the lowest), as
    /// looked up so far: direct-mapped, 0 for a name it does not know. A class, so that
    /// reading a reference needs no mutable access to the condenser.
    final class EntityCache {
        private var keys = [UInt64](repeating: 0, count: 512)
        private var values = [UInt32](repeating: 0, count: 512)

        func value(_ key: UInt64, _ name: UnsafeBufferPointer<UInt8>) -> UInt32 {
            let slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 55)
            if keys[slot] == key { return values[slot] }
            let value = LibXML.htmlEntity(name) ?? 0
            keys[slot] = key
            values[slot] = value
            return value
        }
    }
}

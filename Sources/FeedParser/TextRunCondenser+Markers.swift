import CByteScan
import FeedCore

// The markers that stand for runs in the skeleton, and the runs' text handed back.
extension TextRunCondenser {
    /// Calls `body` with the text `run` stands for in `source`, the fragment it was found
    /// in: the bytes themselves, and for each reference its character's UTF-8. Static, with
    /// the condenser's `entities`: a caller that holds the condenser in a class would copy
    /// it, and retain each of its arrays, for every run it called a method of it on.
    static func pieces(
        of run: Run, in source: UnsafeBufferPointer<UInt8>, _ entities: EntityCache, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        let end = run.start + run.count
        guard run.references else {
            body(UnsafeBufferPointer(rebasing: source[run.start..<end]))
            return
        }
        var at = run.start
        while at < end, let amp = source[at..<end].firstIndex(of: 0x26) {
            if amp > at { body(UnsafeBufferPointer(rebasing: source[at..<amp])) }
            // The run holds only references `reference` reads.
            guard let reference = reference(source, at: amp, entities) else { break }
            UTF8Check.withEncoding(reference.value, body)
            at = reference.end
        }
        if at < end { body(UnsafeBufferPointer(rebasing: source[at..<end])) }
    }

    @inline(__always)
    static func isOrdinary(_ c: UInt8) -> Bool {
        c > 0x20 && c != 0x3C && c != 0x3E && c != 0x26 && c != 0x22 && c != 0x27 && c != 0xEF && c != 0x7F
    }

    @inline(__always)
    static func letter(_ v: Int) -> UInt8 {
        v < 26 ? UInt8(0x41 + v) : UInt8(0x61 + v - 26)
    }

    /// True when `m` (7 bytes) has a marker's shape.
    static func isMarker(_ m: UnsafeBufferPointer<UInt8>) -> Bool {
        m.count == markerLength && m[0] == lead.0 && m[1] == lead.1 && m[2] == lead.2
            && index(m[3], m[4], m[5], m[6]) != nil
    }

    /// The run number a marker's four letters spell, or nil when they are not letters.
    static func index(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Int? {
        func v(_ x: UInt8) -> Int? {
            switch x {
            case 0x41...0x5A: return Int(x - 0x41)
            case 0x61...0x7A: return Int(x - 0x61) + 26
            default: return nil
            }
        }
        guard let a = v(a), let b = v(b), let c = v(c), let d = v(d) else { return nil }
        return ((a * 52 + b) * 52 + c) * 52 + d
    }

    /// True when the fragment holds the marker's lead character U+FDD0 itself, a NUL, or a
    /// character reference libxml2 would read as U+FDD0 (`&#xFDD0;`, `&#64976`), whose text
    /// could pass for a marker. One scan finds all three, sixteen bytes at a time: NUL,
    /// 0xEF (which starts only U+E000…U+FFFF) and '&' are what it stops at.
    static func mayHoldLead(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return false }
        let n = p.count
        var i = fs_scan(base, n, 0, 0, 0x00, 0xEF, 0x26, 0x26)
        while i < n {
            switch p[i] {
            case 0x00:
                return true
            case 0xEF:
                if i + 2 < n && p[i + 1] == lead.1 && p[i + 2] == lead.2 { return true }
            default:
                if i + 1 < n && p[i + 1] == 0x23 && number(p, at: i + 2).value == 0xFDD0 { return true }
            }
            i = fs_scan(base, n, i + 1, 0, 0x00, 0xEF, 0x26, 0x26)
        }
        return false
    }
}

/// Eight bytes at a time: masks with the high bit set in every byte that matches, for
/// scanning runs of ordinary text without a branch per byte. In each mask the lowest set
/// bit marks a true match (borrows only propagate upward), which is all a scanner needs:
/// `mask.trailingZeroBitCount >> 3` is the offset of the first special byte.
public enum SWAR {
    public static let ones: UInt64 = 0x0101_0101_0101_0101
    public static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Bytes equal to `b`.
    @inline(__always)
    public static func equal(_ w: UInt64, _ b: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs
    }

    /// Bytes below `n` (n ≤ 0x80); bytes ≥ 0x80 never match.
    @inline(__always)
    public static func below(_ w: UInt64, _ n: UInt8) -> UInt64 {
        (w &- ones &* UInt64(n)) & ~w & highs
    }

    /// Eight bytes from `p + offset`, first byte lowest (little-endian).
    @inline(__always)
    public static func load(_ p: UnsafeBufferPointer<UInt8>, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p.baseAddress! + offset).loadUnaligned(as: UInt64.self))
    }

    /// The index of the first byte from `start` that `special` flags, or of the first byte
    /// of the last, shorter-than-eight tail (which the caller scans byte by byte).
    @inline(__always)
    public static func skip(_ p: UnsafeBufferPointer<UInt8>, from start: Int, special: (UInt64) -> UInt64) -> Int {
        var i = start
        while i + 8 <= p.count {
            let m = special(load(p, i))
            if m != 0 { return i + m.trailingZeroBitCount >> 3 }
            i += 8
        }
        return i
    }
}

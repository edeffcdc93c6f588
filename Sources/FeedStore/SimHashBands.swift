/// The SimHash bands the state indexes: 7 bands (six of 9 bits, one of 10), each tagged
/// with its position. Two hashes at most 6 bits apart agree on at least one band
/// (pigeonhole), so a lookup by band finds every match up to that distance.
public enum SimHashBands {
    static let guaranteedDistance = 6
    static let count = 7
    /// The number of distinct (band, value) pairs: six bands of 512 values, one of 1,024.
    static let bucketCount = 6 * 512 + 1024

    /// Each band's value tagged with its position (the band keys PostgreSQL stores).
    public static func of(_ hash: UInt64) -> [Int64] {
        (0..<count).map { band in Int64(band << 16) | Int64(value(hash, band: band)) }
    }

    /// A dense number for band `band`'s value in `hash`, below `bucketCount`.
    static func bucket(_ hash: UInt64, band: Int) -> Int {
        band * 512 + Int(value(hash, band: band))
    }

    private static func value(_ hash: UInt64, band: Int) -> UInt64 {
        let width: UInt64 = band == 6 ? 10 : 9
        return (hash >> UInt64(band * 9)) & ((1 << width) - 1)
    }

    /// Whether a match is closer than `best`: fewer bits apart, or as many and delivered
    /// earlier (which of equals is found first depends on the band it is found by).
    public static func isCloser(_ match: (seq: Int64, distance: Int), than best: (seq: Int64, distance: Int)?) -> Bool {
        guard let best else { return true }
        return match.distance < best.distance || (match.distance == best.distance && match.seq < best.seq)
    }
}

/// The SimHash bands the store indexes: 7 bands (six of 9 bits, one of 10), each tagged
/// with its position. Two hashes at most 6 bits apart agree on at least one band
/// (pigeonhole), so a lookup by band finds every match up to that distance.
public enum SimHashBands {
    static let guaranteedDistance = 6

    public static func of(_ h: UInt64) -> [Int64] {
        (0..<7).map { i in
            let width: UInt64 = i == 6 ? 10 : 9
            let value = (h >> UInt64(i * 9)) & ((1 << width) - 1)
            return Int64(i << 16) | Int64(value)
        }
    }
}

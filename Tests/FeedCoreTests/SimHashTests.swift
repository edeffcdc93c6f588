import FeedCore
import TestSupport
import Testing

@Suite struct SimHashTests {
    /// The majority by its definition, one bit position at a time: the counting eight
    /// positions at a time in `SimHash.majority` must give exactly this.
    static func reference(_ hashes: [UInt64]) -> UInt64 {
        var result: UInt64 = 0
        for bit in 0..<64 {
            let ones = hashes.count { ($0 >> UInt64(bit)) & 1 == 1 }
            if ones * 2 > hashes.count { result |= 1 << UInt64(bit) }
        }
        return result
    }

    @Test func theMajorityOfEachBitIsCountedExactly() {
        let seed: UInt64 = 0x5EED_0018
        print("SimHashTests seed \(seed)")
        var random = SplitMix64(state: seed)
        // Lengths around the 255 hashes the byte counters hold before they are emptied.
        for count in [0, 1, 2, 3, 4, 10, 254, 255, 256, 257, 510, 511, 512, 1_000, 3_000] {
            for round in 0..<4 {
                // Bits leaning one way or the other, and ties (even counts, half the bits set).
                let hashes: [UInt64] = (0..<count).map { k in
                    switch round {
                    case 0: return random.next()
                    case 1: return random.next() | random.next()
                    case 2: return random.next() & random.next()
                    default: return k % 2 == 0 ? 0x5555_5555_5555_5555 : 0xAAAA_AAAA_AAAA_AAAA
                    }
                }
                #expect(SimHash.majority(hashes) == Self.reference(hashes), "\(count) hashes, round \(round)")
            }
        }
    }

    @Test func aTextsHashIsTheMajorityOfItsShingles() {
        let text = "The Senate on Tuesday passed a sweeping bill to expand broadband access in rural areas."
        #expect(SimHash.shingles(of: text).count == 13)  // 15 words
        #expect(SimHash.of(text) == Self.reference(SimHash.shingles(of: text)))
        #expect(SimHash.shingles(of: "two words").count == 1)
        #expect(SimHash.of("") == 0)
        #expect(SimHash.of("  ,;  ") == 0)
        // Case and punctuation are not words.
        #expect(SimHash.of("Rural, BROADBAND bill!") == SimHash.of("rural broadband bill"))
    }
}

import FeedCore
import TestSupport
import Testing

@Suite struct SimHashTests {
    /// The definition, one bit position at a time: the fast counting in `SimHash.of` must
    /// give exactly this.
    static func reference(_ text: String) -> UInt64 {
        var words: [UInt64] = []
        var current: UInt64 = 0xCBF2_9CE4_8422_2325
        var inWord = false
        for var b in text.utf8 {
            let isWord = b >= 0x80 || (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
            if isWord {
                if b >= 0x41 && b <= 0x5A { b |= 0x20 }
                current = (current ^ UInt64(b)) &* 0x0000_0100_0000_01B3
                inWord = true
            } else if inWord {
                words.append(current)
                current = 0xCBF2_9CE4_8422_2325
                inWord = false
            }
        }
        if inWord { words.append(current) }
        guard !words.isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 64)
        let shingles = max(1, words.count - 2)
        for i in 0..<shingles {
            var h = words[i]
            if i + 1 < words.count { h = h &* 31 &+ words[i + 1] }
            if i + 2 < words.count { h = h &* 31 &+ words[i + 2] }
            h = ContentHash.mix(h)
            for bit in 0..<64 { counts[bit] += (h >> UInt64(bit)) & 1 == 1 ? 1 : -1 }
        }
        var result: UInt64 = 0
        for bit in 0..<64 where counts[bit] > 0 { result |= 1 << UInt64(bit) }
        return result
    }

    @Test func equalsTheDefinitionOnShortAndLongTexts() {
        let seed: UInt64 = 0x5EED_0018
        print("SimHashTests seed \(seed)")
        var random = SplitMix64(state: seed)
        let vocabulary = ["the", "senate", "passed", "a", "bill", "on", "rural", "broadband", "Ünïcode", "2026", "x", "and"]
        // Lengths around the 255 shingles the counters hold before they are emptied.
        for words in [0, 1, 2, 3, 4, 10, 254, 255, 256, 257, 258, 511, 512, 1_000, 3_000] {
            for _ in 0..<3 {
                let text = (0..<words).map { _ in vocabulary[Int(random.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
                #expect(SimHash.of(text) == Self.reference(text), "\(words) words")
            }
        }
        #expect(SimHash.of("") == 0)
        #expect(SimHash.of("  ,;  ") == 0)
    }
}

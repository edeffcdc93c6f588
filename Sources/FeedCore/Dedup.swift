/// How widely an article is checked for duplicates before it is delivered.
public enum DedupPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Only the same item in the same feed.
    case feed
    /// Also the same article text (title and body, exactly) from any feed or under
    /// another identity.
    case global
    /// Also near-duplicates: SimHash distance at most `threshold` bits.
    case near(threshold: Int)

    /// A lightly edited wire story lands 3–5 bits away, unrelated texts ~32 (see the
    /// tests' fixtures); 6 keeps a margin on both sides.
    public static let defaultNearThreshold = 6
    /// The largest threshold the store searches exhaustively (its SimHash bands).
    public static let maxNearThreshold = 6

    public init?(name: String, threshold: Int = DedupPolicy.defaultNearThreshold) {
        switch name {
        case "feed": self = .feed
        case "global": self = .global
        case "near": self = .near(threshold: threshold)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .feed: return "feed"
        case .global: return "global"
        case .near(let t): return "near(\(t))"
        }
    }

    public var checksText: Bool { self != .feed }
}

/// What to do when an item already delivered comes back with other content.
public enum UpdatePolicy: String, Sendable {
    /// Keep the first version only.
    case ignore
    /// Deliver the new version as a new article (a new sequence number, the same id).
    case redeliver
}

/// 64-bit hashes of content, for de-duplication. Pure and stable across runs and builds
/// (they are stored).
public enum ContentHash {
    /// FNV-1a, 64 bits, then a SplitMix64 finaliser so that nearby inputs spread.
    public static func fnv(_ bytes: some Sequence<UInt8>, seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return mix(h)
    }

    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The exact fingerprint of an article's text: its title and body as rendered.
    public static func fingerprint(title: String, body: UTF8Text) -> UInt64 {
        var h = fnv(title.utf8)
        h = body.bytes.withUnsafeBufferPointer { fnv($0, seed: h ^ 0x0A0A) }
        return h
    }

    /// A hash of an item's raw fields (before any conversion), to notice changed content
    /// under the same identity without converting every item on every poll.
    public static func rawContent(of item: FeedItem) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for field in [item.title, item.summary, item.content] {
            h = field?.withRawUTF8 { fnv($0, seed: h ^ 0x1F) } ?? fnv([UInt8](), seed: h ^ 0x1F)
        }
        return h
    }
}

/// 64-bit SimHash over word 3-shingles (Charikar): similar texts get hashes a few bits apart.
public enum SimHash {
    public static func of(_ text: String) -> UInt64 {
        majority(shingles(of: text))
    }

    /// The hashes of the text's word 3-shingles (of its one or two words when that is all it
    /// has); none for a text without words.
    public static func shingles(of text: String) -> [UInt64] {
        var words: [UInt64] = []
        var current: UInt64 = 0xCBF2_9CE4_8422_2325
        var inWord = false
        for var b in text.utf8 {
            // Letters and digits (and every non-ASCII byte) make words; case is ignored.
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
        guard !words.isEmpty else { return [] }
        // In place: shingle i reads words i to i + 2 only.
        let count = max(1, words.count - 2)
        for i in 0..<count {
            var h = words[i]
            if i + 1 < words.count { h = h &* 31 &+ words[i + 1] }
            if i + 2 < words.count { h = h &* 31 &+ words[i + 2] }
            words[i] = ContentHash.mix(h)
        }
        words.removeLast(words.count - count)
        return words
    }

    /// The hash whose bits are each set when more than half of `hashes` have it (0 for none).
    public static func majority(_ hashes: [UInt64]) -> UInt64 {
        guard !hashes.isEmpty else { return 0 }
        let n = hashes.count
        // A bit of the result is set when more than half of the shingles' hashes have it.
        // The ones are counted eight bit positions at a time: lane `j` holds, in byte `k`,
        // the count for bit 8k + j, and is emptied into `ones` before a byte can overflow.
        var ones = InlineArray<64, Int>(repeating: 0)
        var lanes = InlineArray<8, UInt64>(repeating: 0)
        var inLanes = 0
        func emptyLanes() {
            for j in 0..<8 {
                for k in 0..<8 { ones[8 * k + j] += Int((lanes[j] >> UInt64(8 * k)) & 0xFF) }
                lanes[j] = 0
            }
            inLanes = 0
        }
        for h in hashes {
            for j in 0..<8 { lanes[j] &+= (h >> UInt64(j)) & 0x0101_0101_0101_0101 }
            inLanes += 1
            if inLanes == 255 { emptyLanes() }
        }
        emptyLanes()
        var result: UInt64 = 0
        for bit in 0..<64 where 2 * ones[bit] > n { result |= 1 << UInt64(bit) }
        return result
    }

    public static func distance(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }
}

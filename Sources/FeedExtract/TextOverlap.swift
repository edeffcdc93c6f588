/// How much two texts share, by the measure article-extraction benchmarks use: word tokens
/// (runs of Unicode letters, digits and `_`, as `\w+`), every run of four consecutive
/// tokens (a shingle) counted.
public enum TextOverlap {
    /// The shingles of `text` with their counts.
    public static func shingles(_ text: String) -> [String: Int] {
        var tokens: [Substring] = []
        var start: String.Index?
        var position = text.startIndex
        while position < text.endIndex {
            let ch = text[position]
            let word = ch.isLetter || ch.isNumber || ch == "_" || ch.unicodeScalars.first!.properties.isAlphabetic
            if word {
                if start == nil { start = position }
            } else if let wordStart = start {
                tokens.append(text[wordStart..<position])
                start = nil
            }
            position = text.index(after: position)
        }
        if let wordStart = start { tokens.append(text[wordStart...]) }
        var out: [String: Int] = [:]
        guard tokens.count >= 4 else {
            if !tokens.isEmpty { out[tokens.joined(separator: " "), default: 0] += 1 }
            return out
        }
        for shingle in 0...(tokens.count - 4) {
            out[tokens[shingle..<(shingle + 4)].joined(separator: " "), default: 0] += 1
        }
        return out
    }

    /// The share of `a`'s shingles (by count) that `b` holds too: 1 when `b` contains all
    /// of `a`'s text.
    public static func containment(of a: String, in b: String) -> Double {
        let sa = shingles(a), sb = shingles(b)
        let total = sa.values.reduce(0, +)
        guard total > 0 else { return 0 }
        var shared = 0
        for (shingle, n) in sa { shared += min(n, sb[shingle] ?? 0) }
        return Double(shared) / Double(total)
    }

    /// True positives, false positives and false negatives of `extracted` against
    /// `reference`, normalised to sum to 1 (one page's share of a corpus' precision and
    /// recall).
    public static func confusion(extracted: String, reference: String) -> (tp: Double, fp: Double, fn: Double) {
        let extractedShingles = shingles(extracted), referenceShingles = shingles(reference)
        var tp = 0
        for (shingle, n) in extractedShingles { tp += min(n, referenceShingles[shingle] ?? 0) }
        let fp = extractedShingles.values.reduce(0, +) - tp
        let fn = referenceShingles.values.reduce(0, +) - tp
        let sum = Double(tp + fp + fn)
        guard sum > 0 else { return (0, 0, 0) }
        return (Double(tp) / sum, Double(fp) / sum, Double(fn) / sum)
    }
}

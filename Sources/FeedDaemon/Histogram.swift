/// A Prometheus histogram: cumulative counts of observations at or below each bound, their
/// sum and count.
public struct Histogram: Sendable, Equatable {
    public let bounds: [Double]
    /// Observations at or below each bound (not cumulative: summed when written).
    public private(set) var counts: [Int64]
    public private(set) var sum = 0.0
    public private(set) var count: Int64 = 0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = [Int64](repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        if let bucket = bounds.firstIndex(where: { value <= $0 }) { counts[bucket] += 1 }
        sum += value
        count += 1
    }

    /// The exposition lines of `name` with `labels` (`key="value"` pairs, or empty).
    public func lines(_ name: String, labels: String = "") -> String {
        var out = ""
        var cumulative: Int64 = 0
        let sep = labels.isEmpty ? "" : labels + ","
        for (bound, n) in zip(bounds, counts) {
            cumulative += n
            out += "\(name)_bucket{\(sep)le=\"\(Self.format(bound))\"} \(cumulative)\n"
        }
        out += "\(name)_bucket{\(sep)le=\"+Inf\"} \(count)\n"
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        out += "\(name)_sum\(suffix) \(Self.format(sum))\n\(name)_count\(suffix) \(count)\n"
        return out
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Seconds a fetch took: from a tenth of a second to the whole-transfer timeout.
    public static func fetchDuration() -> Histogram { Histogram(bounds: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]) }

    /// Seconds from an article's publication to its delivery.
    public static func freshness() -> Histogram {
        Histogram(bounds: [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 24 * 3600, 3 * 86400, 7 * 86400])
    }
}

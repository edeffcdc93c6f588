/// A token bucket: `burst` requests at once after a quiet spell, `perMinute` on average.
/// Times are the owner's clock, in seconds.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    /// Tokens gained per second.
    public let rate: Double
    private var tokens: Double
    private var updated: Int64

    public init(perMinute: Int, burst: Int, now: Int64) {
        capacity = Double(max(1, burst))
        rate = Double(max(1, perMinute)) / 60
        tokens = capacity
        updated = now
    }

    private mutating func refill(_ now: Int64) {
        if now > updated {
            tokens = min(capacity, tokens + Double(now - updated) * rate)
            updated = now
        }
    }

    /// Spends a token if one is there.
    public mutating func take(now: Int64) -> Bool {
        refill(now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next token is there (now, when one is).
    public mutating func nextToken(now: Int64) -> Int64 {
        refill(now)
        if tokens >= 1 { return now }
        return now + Int64(((1 - tokens) / rate).rounded(.up))
    }
}

/// A site's page budget and Retry-After shared by the nodes of a cluster: without it, each
/// node would keep its own bucket, and N nodes would ask a site for N times `page_budget`
/// pages a minute.
public protocol SharedSiteBudget: AnyObject {
    /// Spends one of `origin`'s tokens (a bucket of `perMinute` a minute, `burst` at once)
    /// when one is there and no Retry-After runs for it: nil. Otherwise the seconds until
    /// the next may be (at least 1; a failure to ask is a wait too).
    func take(origin: String, perMinute: Int, burst: Int) -> Int64?
    /// The site said Retry-After `seconds`: no node asks it for anything before then.
    func block(origin: String, seconds: Int64)
}

/// Sites' page budgets, shared by the cluster: a token bucket per origin in `sites`
/// (`tokens` as of `updated`, refilled at `perMinute` a minute up to `burst`) and the
/// site's Retry-After (`blocked_until`), by the database's clock. Every node spends from
/// the same bucket, so N nodes ask a site for no more pages than one would.
///
/// (`sites` also holds a row per feed host, keyed by the bare host, that claims lock to
/// count a host's leases; page origins carry their scheme, so the two never meet.)
extension FeedLeases {
    /// Spends one of `origin`'s tokens if one is there and no Retry-After runs: nil.
    /// Otherwise the whole seconds until one may be (at least 1). One statement when a
    /// token is taken; a refusal reads when the next comes.
    public func takePageToken(origin: String, perMinute: Int, burst: Int) throws(PGError) -> Int64? {
        let capacity = PGValue.text(String(Double(max(1, burst))))
        let rate = PGValue.text(String(Double(max(1, perMinute)) / 60))
        let refilled = "LEAST($2::float8, s.tokens + GREATEST(0, \(Self.now) - s.updated) * $3::float8)"
        let taken = try db.execute("""
            INSERT INTO sites AS s (origin, tokens, updated) VALUES($1, $2::float8 - 1, \(Self.now))
            ON CONFLICT (origin) DO UPDATE SET tokens = \(refilled) - 1, updated = GREATEST(s.updated, \(Self.now))
                WHERE s.blocked_until <= \(Self.now) AND \(refilled) >= 1
            RETURNING 1
            """, .text(origin), capacity, rate)
        if !taken.isEmpty { return nil }
        let wait = try db.execute("""
            SELECT GREATEST(s.blocked_until - \(Self.now), CEIL((1 - \(refilled)) / $3::float8)::BIGINT) FROM sites s WHERE origin = $1
            """, .text(origin), capacity, rate)
        return max(1, wait.int(0, 0) ?? 1)
    }

    /// The site said Retry-After `seconds`: no node asks it before then.
    public func blockSite(origin: String, seconds: Int64) throws(PGError) {
        try db.execute("""
            INSERT INTO sites AS s (origin, tokens, updated, blocked_until) VALUES($1, 0, \(Self.now), \(Self.now) + $2)
            ON CONFLICT (origin) DO UPDATE SET blocked_until = GREATEST(s.blocked_until, \(Self.now) + $2)
            """, .text(origin), .int(seconds))
    }
}

/// What a publisher says about how often to poll: feed-level hints and HTTP cache headers.
public struct PublisherHints: Sendable, Equatable {
    /// RSS `ttl`, minutes.
    public var ttlMinutes: Int?
    /// `sy:updatePeriod` (hourly, daily, weekly, monthly, yearly) and `sy:updateFrequency`.
    public var updatePeriod: String?
    public var updateFrequency: Int?
    /// RSS `skipHours` (0-23, GMT) and `skipDays` (0 = Sunday).
    public var skipHours: [Int] = []
    public var skipDays: [Int] = []
    /// `Cache-Control: max-age`, seconds (already reduced by `Age`).
    public var maxAge: Int64?
    /// `Expires` as seconds from the server's `Date` (or from now): how long the answer is fresh.
    public var expiresIn: Int64?

    public init(ttlMinutes: Int? = nil, updatePeriod: String? = nil, updateFrequency: Int? = nil, skipHours: [Int] = [], skipDays: [Int] = [], maxAge: Int64? = nil, expiresIn: Int64? = nil) {
        self.ttlMinutes = ttlMinutes
        self.updatePeriod = updatePeriod
        self.updateFrequency = updateFrequency
        self.skipHours = skipHours
        self.skipDays = skipDays
        self.maxAge = maxAge
        self.expiresIn = expiresIn
    }

    /// The feed-level hints of a parsed document (HTTP hints are added by the caller).
    public init(info: FeedInfo) {
        self.init(ttlMinutes: info.ttlMinutes, updatePeriod: info.updatePeriod, updateFrequency: info.updateFrequency, skipHours: info.skipHours, skipDays: info.skipDays)
    }

    /// The longest interval the publisher asks for, with its name.
    var longest: (seconds: Int64, reason: String)? {
        var best: (Int64, String)?
        func offer(_ seconds: Int64?, _ why: String) {
            guard let seconds, seconds > 0 else { return }
            if seconds > (best?.0 ?? 0) { best = (seconds, why) }
        }
        if let minutes = ttlMinutes { offer(Int64(minutes) * 60, "ttl \(minutes) min") }
        if let name = updatePeriod {
            let period: Int64? = ["hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400, "yearly": 365 * 86400][name.lowercased()]
            let frequency = max(1, updateFrequency ?? 1)
            if let period { offer(period / Int64(frequency), "sy:updatePeriod \(name.lowercased())/\(frequency)") }
        }
        offer(maxAge, "Cache-Control max-age \(maxAge ?? 0) s")
        offer(expiresIn, "Expires in \(expiresIn ?? 0) s")
        return best
    }
}

/// How a poll ended, as the schedule sees it.
public enum PollEnd: Sendable, Equatable {
    /// New content or none (304): the publisher's hints apply.
    case success(PublisherHints)
    /// The `n`-th failure in a row; `retryAfter` in seconds when the server asked for a pause.
    case failure(streak: Int, retryAfter: Int64?)
    /// 410 Gone: no next poll until revived.
    case gone
}

/// The next poll of a feed and why then.
public struct NextPoll: Sendable, Equatable {
    /// Seconds since the epoch; nil when the feed is retired.
    public var at: Int64?
    public var reason: String
}

/// The polling policy: an interval with jitter inside a floor and a ceiling, raised (never
/// lowered) by the publisher's hints, skipping the hours and days the feed asks to skip,
/// obeying `Retry-After`, and backing off exponentially on errors without ever giving up.
/// A value: time and randomness come in as arguments.
public struct PollSchedule: Sendable, Equatable {
    /// Seconds between polls when nothing else says otherwise.
    public var interval: Int64
    public var floor: Int64
    public var ceiling: Int64
    /// ±fraction of the delay, so feeds added together drift apart.
    public var jitter: Double
    /// The longest pause a `Retry-After` can impose (a guard against absurd values).
    public var retryAfterLimit: Int64 = 30 * 86400

    public init(interval: Int64 = 3600, floor: Int64 = 300, ceiling: Int64 = 86400, jitter: Double = 0.1) {
        self.interval = interval
        self.floor = floor
        self.ceiling = max(floor, ceiling)
        self.jitter = jitter
    }

    public func next(after end: PollEnd, now: Int64, using rng: inout some RandomNumberGenerator) -> NextPoll {
        switch end {
        case .gone:
            return NextPoll(at: nil, reason: "retired: 410 Gone")
        case .success(let hints):
            var delay = clamp(interval)
            var reason = "every \(Self.duration(delay))"
            if let (seconds, why) = hints.longest, clamp(seconds) > delay {
                delay = clamp(seconds)
                reason = "publisher: \(why)"
            }
            var at = now + jittered(delay, &rng)
            if let moved = Self.skipping(at, hours: hints.skipHours, days: hints.skipDays) {
                at = moved
                reason += "; skipHours/skipDays"
            }
            return NextPoll(at: at, reason: reason)
        case .failure(let streak, let retryAfter):
            let failures = max(1, streak)
            // Double the usual interval per failure in a row: a struggling publisher is
            // asked less often, never more often than usual.
            var delay = clamp(interval)
            for _ in 1..<min(failures, 32) where delay < ceiling { delay = min(ceiling, delay * 2) }
            var at = now + jittered(delay, &rng)
            var reason = "backing off after \(failures) failure\(failures == 1 ? "" : "s") in a row"
            if let requested = retryAfter, now + min(requested, retryAfterLimit) > at {
                at = now + min(requested, retryAfterLimit)
                reason = "Retry-After \(Self.duration(min(requested, retryAfterLimit)))"
            }
            return NextPoll(at: at, reason: reason)
        }
    }

    private func clamp(_ seconds: Int64) -> Int64 { Swift.min(ceiling, Swift.max(floor, seconds)) }

    private func jittered(_ delay: Int64, _ rng: inout some RandomNumberGenerator) -> Int64 {
        guard jitter > 0 else { return delay }
        let factor = Double.random(in: -jitter...jitter, using: &rng)
        return clamp(Int64((Double(delay) * (1 + factor)).rounded()))
    }

    /// The first start of an hour from `start` on that is neither a skipped hour (GMT) nor on a
    /// skipped day; nil when `start` itself is allowed or when everything is skipped.
    static func skipping(_ start: Int64, hours: [Int], days: [Int]) -> Int64? {
        guard !hours.isEmpty || !days.isEmpty else { return nil }
        func allowed(_ time: Int64) -> Bool {
            let hour = Int((time % 86400 + 86400) % 86400 / 3600)
            let weekday = Int(((time / 86400) % 7 + 7 + 4) % 7)  // 1970-01-01 was a Thursday
            return !hours.contains(hour) && !days.contains(weekday)
        }
        if allowed(start) { return nil }
        var hourStart = start - (start % 3600 + 3600) % 3600
        for _ in 0..<(24 * 7) {
            hourStart += 3600
            if allowed(hourStart) { return hourStart }
        }
        return nil
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds % 86400 == 0 { return "\(seconds / 86400) d" }
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}

import FeedCore
import TestSupport
import Testing

@Suite struct PollScheduleTests {
    // 2024-12-05 (a Thursday) 10:20:00 UTC.
    let now: Int64 = 1_733_394_000

    @Test func theIntervalWithJitterInsideFloorAndCeiling() {
        var rng = SplitMix64(state: 7)
        let s = PollSchedule()
        var seen = Set<Int64>()
        for _ in 0..<200 {
            let n = s.next(after: .success(PublisherHints()), now: now, using: &rng)
            let d = n.at! - now
            #expect(d >= 3240 && d <= 3960, "\(d)")
            #expect(n.reason == "every 1 h")
            seen.insert(d)
        }
        #expect(seen.count > 50)  // the jitter spreads feeds apart
        let tiny = PollSchedule(interval: 60)
        #expect(tiny.next(after: .success(PublisherHints()), now: now, using: &rng).at! - now >= 300)
    }

    @Test func publisherHintsRaiseButNeverLowerTheInterval() {
        var rng = SplitMix64(state: 7)
        let s = PollSchedule(jitter: 0)
        func delay(_ h: PublisherHints) -> (Int64, String) {
            let n = s.next(after: .success(h), now: now, using: &rng)
            return (n.at! - now, n.reason)
        }
        #expect(delay(PublisherHints(ttlMinutes: 180)) == (10_800, "publisher: ttl 180 min"))
        #expect(delay(PublisherHints(ttlMinutes: 5)) == (3600, "every 1 h"))
        #expect(delay(PublisherHints(ttlMinutes: 90, maxAge: 7200)) == (7200, "publisher: Cache-Control max-age 7200 s"))
        #expect(delay(PublisherHints(updatePeriod: "daily", updateFrequency: 4)) == (21_600, "publisher: sy:updatePeriod daily/4"))
        #expect(delay(PublisherHints(updatePeriod: "yearly")).0 == 86_400)  // the ceiling
        #expect(delay(PublisherHints(expiresIn: 14_400)) == (14_400, "publisher: Expires in 14400 s"))
    }

    @Test func skippedHoursAndDaysAreHonoured() {
        var rng = SplitMix64(state: 7)
        let s = PollSchedule(jitter: 0)
        // Due at 11:20 UTC; hours 11 and 12 are skipped: the next poll is at 13:00.
        let h = s.next(after: .success(PublisherHints(skipHours: [11, 12])), now: now, using: &rng)
        #expect(h.at == 1_733_403_600)
        #expect(h.reason.hasSuffix("skipHours/skipDays"))
        // Friday and Saturday skipped, a 24 h interval from Thursday: Sunday 00:00 UTC.
        let daily = PollSchedule(interval: 86_400, jitter: 0)
        let d = daily.next(after: .success(PublisherHints(skipDays: [5, 6])), now: now, using: &rng)
        #expect(d.at == 1_733_616_000)
        // Everything skipped is read as nothing skipped.
        let all = s.next(after: .success(PublisherHints(skipHours: Array(0..<24))), now: now, using: &rng)
        #expect(all.at == now + 3600)
    }

    @Test func errorsBackOffExponentiallyAndNeverGiveUp() {
        var rng = SplitMix64(state: 7)
        let s = PollSchedule(jitter: 0)
        let delays = (1...8).map { s.next(after: .failure(streak: $0, retryAfter: nil), now: now, using: &rng).at! - now }
        #expect(delays == [3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400, 86_400])
        let late = s.next(after: .failure(streak: 500, retryAfter: nil), now: now, using: &rng)
        #expect(late.at == now + 86_400)
        #expect(late.reason == "backing off after 500 failures in a row")
        let jittered = PollSchedule().next(after: .failure(streak: 3, retryAfter: nil), now: now, using: &rng).at! - now
        #expect(jittered >= 12_960 && jittered <= 15_840)
    }

    @Test func retryAfterIsObeyedAndGoneRetires() {
        var rng = SplitMix64(state: 7)
        let s = PollSchedule(jitter: 0)
        let r = s.next(after: .failure(streak: 1, retryAfter: 7200), now: now, using: &rng)
        #expect(r.at == now + 7200)
        #expect(r.reason == "Retry-After 2 h")
        let short = s.next(after: .failure(streak: 1, retryAfter: 60), now: now, using: &rng)
        #expect(short.at == now + 3600)  // never sooner than the back-off
        let absurd = s.next(after: .failure(streak: 1, retryAfter: 10_000_000_000), now: now, using: &rng)
        #expect(absurd.at == now + 30 * 86_400)
        let gone = s.next(after: .gone, now: now, using: &rng)
        #expect(gone.at == nil)
        #expect(gone.reason == "retired: 410 Gone")
    }
}

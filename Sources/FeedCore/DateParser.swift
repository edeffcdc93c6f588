/// Parses the dates real feeds write, keeping the UTC offset they were written in.
///
/// Accepted, leniently: RFC 822 / RFC 2822 and their real-world variants (two-digit years,
/// a missing or wrong weekday, missing seconds, named zones — UT, GMT, Z, US and a few
/// common zones, military letters —, month names in English, German, French, Spanish,
/// Italian, Dutch and Portuguese), RFC 3339 / ISO 8601 / W3C-DTF (date only, no seconds,
/// fractional seconds, `Z`, `±hh:mm`, `±hhmm`, `±hh`) and asctime. A time without a zone is
/// taken as UTC. Anything else is `nil`: a date is never invented.
public enum DateParser {
    /// Parses one date string; `nil` when it is not a date this parser understands.
    public static func parse(_ text: String) -> FeedDate? {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    /// Parses a date from UTF-8 bytes.
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> FeedDate? {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        guard end - start >= 4, end - start <= 128 else { return nil }
        let s = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard let date = parseISO(s) ?? parseWords(s) else { return nil }
        // Years 1 to 9999 in UTC as well as in the date's own offset: what RFC 3339 can
        // write back (9999-12-31T23:00-05:00 would be year 10000 in UTC).
        guard date.secondsSinceEpoch >= -62_135_596_800 + 86_400, date.secondsSinceEpoch <= 253_402_300_799 - 86_400
        else { return nil }
        return date
    }

    // MARK: ISO 8601 / RFC 3339 / W3C-DTF

    private static func parseISO(_ s: UnsafeBufferPointer<UInt8>) -> FeedDate? {
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= s.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                let c = s[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func peek(_ c: UInt8) -> Bool { i < s.count && s[i] == c }

        // The date part: up to the time's 'T' (or 't', or a space) or the end.
        var dateEnd = 0
        while dateEnd < s.count, s[dateEnd] != 0x54, s[dateEnd] != 0x74, s[dateEnd] != 0x20 { dateEnd += 1 }
        guard let (year, month, day, basic) = isoDate(UnsafeBufferPointer(rebasing: s[0..<dateEnd])) else { return nil }
        i = dateEnd
        if i == s.count {
            return FeedDate(year: year, month: month, day: day, hasTime: false)
        }
        // The time: 'T', 't' or a space.
        guard s[i] == 0x54 || s[i] == 0x74 || s[i] == 0x20 else { return nil }
        i += 1
        while peek(0x20) { i += 1 }
        guard let hour = digits(2) else { return nil }
        if !basic { guard peek(0x3A) else { return nil }; i += 1 }
        guard let minute = digits(2) else { return nil }
        var second = 0
        if basic ? (i < s.count && s[i] >= 0x30 && s[i] <= 0x39) : peek(0x3A) {
            if !basic { i += 1 }
            guard let sec = digits(2) else { return nil }
            second = sec
            if peek(0x2E) || peek(0x2C) {  // fraction: dropped
                i += 1
                let fractionStart = i
                while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
                guard i > fractionStart else { return nil }
            }
        }
        while peek(0x20) { i += 1 }
        var offset = 0
        if i < s.count {
            let rest = UnsafeBufferPointer(rebasing: s[i...])
            guard let off = parseZone(rest) else { return nil }
            offset = off
        }
        return FeedDate(
            year: year, month: month, day: day, hour: hour, minute: minute, second: second,
            offsetSeconds: offset)
    }

    /// The calendar date of an ISO 8601 date part in any of the forms feeds use, complete
    /// or reduced: `YYYY-MM-DD`, `YYYYMMDD`, `YYYY-MM`, `YYYY`, the ordinal `YYYY-DDD` and
    /// `YYYYDDD`, two-digit years (`YY-MM-DD`, `YYMMDD`, `YY-DDD`, `YYDDD`), the century's
    /// `-YYMM` and `-YY-MM`, and a month written with three digits (`YYYY-012-31`). A
    /// missing month or day is the first. Forms that leave the year to the reader (`--MM-DD`,
    /// `-DDD`) are not read: a date is never guessed. `basic` is true for the forms without
    /// separators, whose time has none either.
    static func isoDate(_ s: UnsafeBufferPointer<UInt8>) -> (year: Int, month: Int, day: Int, basic: Bool)? {
        // Up to three groups of digits between '-', after an optional leading '-'; `shape`
        // spells their lengths as decimal digits (2024-12-05 is 422).
        var values = (0, 0, 0)
        var shape = 0
        var count = 0
        var i = 0
        let reduced = s.first == 0x2D
        if reduced { i = 1 }
        while true {
            var value = 0
            var n = 0
            while i < s.count, isDigit(s[i]), n < 9 {
                value = value * 10 + Int(s[i] - 0x30)
                n += 1
                i += 1
            }
            guard n > 0, count < 3 else { return nil }
            switch count {
            case 0: values.0 = value
            case 1: values.1 = value
            default: values.2 = value
            }
            shape = shape * 10 + n
            count += 1
            if i == s.count { break }
            guard s[i] == 0x2D else { return nil }
            i += 1
        }
        func ordinal(_ year: Int, _ dayOfYear: Int, basic: Bool) -> (Int, Int, Int, Bool)? {
            guard (1...9999).contains(year), dayOfYear >= 1,
                dayOfYear <= (CivilDate.daysIn(month: 2, year: year) == 29 ? 366 : 365)
            else { return nil }
            let c = CivilDate(days: CivilDate.daysFromCivil(year: year, month: 1, day: 1) + Int64(dayOfYear - 1))
            return (c.year, c.month, c.day, basic)
        }
        let (a, b, c) = values
        if reduced {
            // -YYMM, -YY-MM: a year of this century.
            switch shape {
            case 4: return (2000 + a / 100, a % 100, 1, true)
            case 22: return (2000 + a, b, 1, false)
            default: return nil
            }
        }
        switch shape {
        case 4: return (a, 1, 1, false)
        case 42: return (a, b, 1, false)
        case 422: return (a, b, c, false)
        case 432 where b < 100: return (a, b, c, false)  // YYYY-0MM-DD
        case 43: return ordinal(a, b, basic: false)
        case 8: return (a / 10_000, a / 100 % 100, a % 100, true)
        case 7: return ordinal(a / 1000, a % 1000, basic: true)
        case 222: return (expandYear(a), b, c, false)
        case 6: return (expandYear(a / 10_000), a / 100 % 100, a % 100, true)
        case 23: return ordinal(expandYear(a), b, basic: false)
        case 5: return ordinal(expandYear(a / 1000), a % 1000, basic: true)
        default: return nil
        }
    }

    /// A whole zone token: `Z`, `±hh:mm`, `±hhmm`, `±hh`, or a zone name (`UTC`, `EST`, …).
    private static func parseZone(_ s: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !s.isEmpty else { return nil }
        if s[0] == 0x2B || s[0] == 0x2D {
            return parseNumericOffset(s).flatMap { $0.length == s.count ? $0.seconds : nil }
        }
        for c in s where !isLetter(c) { return nil }
        return DateTables.zoneOffset(DateTables.Word(s, lower: lower))
    }

    /// `+hh:mm`, `+hhmm`, `+hh`, `+h`, `-…`: the offset in seconds and the bytes used.
    static func parseNumericOffset(_ s: UnsafeBufferPointer<UInt8>) -> (seconds: Int, length: Int)? {
        guard s.count >= 2 else { return nil }
        let sign = s[0] == 0x2D ? -1 : 1
        var i = 1
        // Up to four digits, in a number each: d0 is the first.
        var ds: (Int, Int, Int, Int) = (0, 0, 0, 0)
        var count = 0
        var colonAt = -1
        while i < s.count, count < 4 {
            let c = s[i]
            if c >= 0x30 && c <= 0x39 {
                let d = Int(c - 0x30)
                switch count {
                case 0: ds.0 = d
                case 1: ds.1 = d
                case 2: ds.2 = d
                default: ds.3 = d
                }
                count += 1
            } else if c == 0x3A && colonAt < 0 && (count == 2 || count == 1) {
                colonAt = count
            } else {
                break
            }
            i += 1
        }
        let hours: Int
        let minutes: Int
        switch (count, colonAt) {
        case (1, -1): hours = ds.0; minutes = 0
        case (2, -1): hours = ds.0 * 10 + ds.1; minutes = 0
        case (3, -1): hours = ds.0; minutes = ds.1 * 10 + ds.2
        case (4, -1), (4, 2): hours = ds.0 * 10 + ds.1; minutes = ds.2 * 10 + ds.3
        case (3, 1): hours = ds.0; minutes = ds.1 * 10 + ds.2
        default: return nil
        }
        // No zone is further than 14 hours from UTC (Kiribati): more is no offset at all.
        guard hours <= 14, minutes < 60 else { return nil }
        return (sign * (hours * 3600 + minutes * 60), i)
    }

    /// RFC 2822 §4.3: 00–49 are 2000–2049, 50–99 are 1950–1999.
    static func expandYear(_ y: Int) -> Int { y < 50 ? 2000 + y : 1900 + y }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c.isXMLSpace }
    /// ASCII letters and any non-ASCII byte (month names such as "mär", "févr.", "déc").
    @inline(__always) static func isLetter(_ c: UInt8) -> Bool {
        (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x80
    }
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 {
        c >= 0x41 && c <= 0x5A ? c | 0x20 : c
    }
}

/// A point in time as a feed wrote it: the instant plus the UTC offset it was written in.
///
/// The article format dates an item by its calendar date *in the offset the feed used*
/// (`2024-12-05T01:30:00+03:00` is dated 2024-12-05), so the offset is kept all the way
/// from the parser to the article. A date written without a time (`2024-12-05`) has
/// `hasTime == false`, its instant is midnight UTC and its offset zero.
public struct FeedDate: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Int64
    /// The offset east of UTC, in seconds, that the source wrote the time in.
    public var offsetSeconds: Int32
    /// False for a date written without a time of day.
    public var hasTime: Bool

    public init(secondsSinceEpoch: Int64, offsetSeconds: Int32 = 0, hasTime: Bool = true) {
        self.secondsSinceEpoch = secondsSinceEpoch
        self.offsetSeconds = offsetSeconds
        self.hasTime = hasTime
    }

    /// Builds a date from civil fields in the given offset; nil when a field is out of range.
    public init?(
        year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
        offsetSeconds: Int = 0, hasTime: Bool = true
    ) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= CivilDate.daysIn(month: month, year: year),
            (0...24).contains(hour), (0...59).contains(minute), (0...60).contains(second),
            abs(offsetSeconds) <= 18 * 3600
        else { return nil }
        // 24:00:00 is the end of the day; a leap second is folded into the one before it.
        if hour == 24 && (minute != 0 || second != 0) { return nil }
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        self.init(
            secondsSinceEpoch: local - Int64(offsetSeconds),
            offsetSeconds: Int32(offsetSeconds), hasTime: hasTime)
    }

    public static func < (a: FeedDate, b: FeedDate) -> Bool {
        a.secondsSinceEpoch < b.secondsSinceEpoch
    }

    /// The calendar date in the offset the source wrote, as `YYYY-MM-DD`.
    public var localDateString: String {
        let local = secondsSinceEpoch + Int64(offsetSeconds)
        let civil = CivilDate(days: local.floorDiv(86_400))
        return civil.isoString
    }

    /// The instant in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
    public var utcString: String {
        let days = secondsSinceEpoch.floorDiv(86_400)
        let secs = Int(secondsSinceEpoch - days * 86_400)
        let civil = CivilDate(days: days)
        return civil.isoString + "T" + twoDigits(secs / 3600) + ":"
            + twoDigits(secs / 60 % 60) + ":" + twoDigits(secs % 60) + "Z"
    }

    /// The instant in the source's own offset, RFC 3339 (`2024-12-05T01:30:00+03:00`).
    public var rfc3339String: String {
        let local = secondsSinceEpoch + Int64(offsetSeconds)
        let days = local.floorDiv(86_400)
        let secs = Int(local - days * 86_400)
        let off = Int(offsetSeconds)
        let zone: String
        if off == 0 {
            zone = "Z"
        } else {
            zone = (off < 0 ? "-" : "+") + twoDigits(abs(off) / 3600) + ":"
                + twoDigits(abs(off) / 60 % 60)
        }
        return CivilDate(days: days).isoString + "T" + twoDigits(secs / 3600) + ":"
            + twoDigits(secs / 60 % 60) + ":" + twoDigits(secs % 60) + zone
    }
}

/// A proleptic Gregorian calendar date (Howard Hinnant's algorithms, exact for all years).
public struct CivilDate: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01.
    public init(days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = Int(yoe + era * 400 + (m <= 2 ? 1 : 0))
        month = Int(m)
        day = Int(d)
    }

    /// Days from 1970-01-01 to the given date.
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DD`.
    public var isoString: String {
        if (0...9999).contains(year) && (1...12).contains(month) && (1...31).contains(day) {
            // Written in place: the general form below builds it from six small strings.
            return String(unsafeUninitializedCapacity: 10) { b in
                func digit(_ n: Int) -> UInt8 { UInt8(truncatingIfNeeded: 0x30 + n) }
                b[0] = digit(year / 1000)
                b[1] = digit(year / 100 % 10)
                b[2] = digit(year / 10 % 10)
                b[3] = digit(year % 10)
                b[4] = 0x2D
                b[5] = digit(month / 10)
                b[6] = digit(month % 10)
                b[7] = 0x2D
                b[8] = digit(day / 10)
                b[9] = digit(day % 10)
                return 10
            }
        }
        var y = String(year)
        while y.utf8.count < 4 { y = "0" + y }
        return y + "-" + twoDigits(month) + "-" + twoDigits(day)
    }
}

@inline(__always)
func twoDigits(_ n: Int) -> String {
    n < 10 ? "0" + String(n) : String(n)
}

extension Int64 {
    @inline(__always)
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

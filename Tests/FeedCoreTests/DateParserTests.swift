import FeedCore
import Testing

@Suite struct DateParserTests {
    /// input → (UTC instant, date in the written offset)
    static let good: [(String, String, String)] = [
        // RFC 822 / 2822 and variants
        ("Thu, 05 Dec 2024 10:30:00 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 +0000", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("Thu, 5 Dec 2024 23:30:00 -0500", "2024-12-06T04:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),  // no seconds
        ("05 Dec 2024 10:30:00 UT", "2024-12-05T10:30:00Z", "2024-12-05"),  // no weekday
        ("Mon, 05 Dec 2024 10:30:00 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),  // wrong weekday
        ("Thu, 05 Dec 24 10:30:00 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),  // 2-digit year
        ("Sun, 06 Nov 94 08:49:37 GMT", "1994-11-06T08:49:37Z", "1994-11-06"),
        ("Thu, 05 Dec 2024 10:30:00 Z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 EST", "2024-12-05T15:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 EDT", "2024-12-05T14:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 CST", "2024-12-05T16:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 MDT", "2024-12-05T16:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 PST", "2024-12-05T18:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 A", "2024-12-05T09:30:00Z", "2024-12-05"),  // military +1
        ("Thu, 05 Dec 2024 10:30:00 N", "2024-12-05T11:30:00Z", "2024-12-05"),  // military -1
        ("Thu, 05 Dec 2024 10:30:00 +05:30", "2024-12-05T05:00:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 GMT+0100", "2024-12-05T09:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00", "2024-12-05T10:30:00Z", "2024-12-05"),  // no zone: UTC
        ("Thursday, December 5, 2024 10:30:00 PM EST", "2024-12-06T03:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00.123 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),
        // other languages
        ("Do, 05 Dez 2024 10:30:00 +0100", "2024-12-05T09:30:00Z", "2024-12-05"),
        ("Donnerstag, 5. März 2024 10:30:00 MEZ", "2024-03-05T09:30:00Z", "2024-03-05"),
        ("jeu., 05 déc. 2024 10:30:00 +0100", "2024-12-05T09:30:00Z", "2024-12-05"),
        ("jue, 05 dic 2024 10:30:00 +0100", "2024-12-05T09:30:00Z", "2024-12-05"),
        ("gio, 05 gen 2024 10:30:00 +0100", "2024-01-05T09:30:00Z", "2024-01-05"),
        ("do, 05 mrt 2024 10:30:00 +0100", "2024-03-05T09:30:00Z", "2024-03-05"),
        ("qui, 05 out 2024 10:30:00 -0300", "2024-10-05T13:30:00Z", "2024-10-05"),
        // RFC 3339 / ISO 8601 / W3C-DTF
        ("2024-12-05T01:30:00+03:00", "2024-12-04T22:30:00Z", "2024-12-05"),
        ("2024-12-05T23:30:00-05:00", "2024-12-06T04:30:00Z", "2024-12-05"),
        ("2024-12-05T10:30:00Z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05t10:30:00z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05T10:30:00.123456Z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05T10:30Z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05T10:30:00+0530", "2024-12-05T05:00:00Z", "2024-12-05"),
        ("2024-12-05T10:30:00+05", "2024-12-05T05:30:00Z", "2024-12-05"),
        ("2024-12-05 10:30:00", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05 10:30:00 +0100", "2024-12-05T09:30:00Z", "2024-12-05"),
        ("2024-12-05T10:30:00 UTC", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("20241205T103000Z", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024-12-05", "2024-12-05T00:00:00Z", "2024-12-05"),
        ("2024-12", "2024-12-01T00:00:00Z", "2024-12-01"),
        ("2024-02-29", "2024-02-29T00:00:00Z", "2024-02-29"),
        ("  2024-12-05T10:30:00Z \n", "2024-12-05T10:30:00Z", "2024-12-05"),
        // asctime and loose forms
        ("Sun Nov  6 08:49:37 1994", "1994-11-06T08:49:37Z", "1994-11-06"),
        ("Thu Dec 05 10:30:00 UTC 2024", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("05-Dec-2024 10:30:00 GMT", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024/12/05 10:30:00", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("December 5, 2024", "2024-12-05T00:00:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30 a.m. EST", "2024-12-05T15:30:00Z", "2024-12-05"),
        ("Thu Dec 05 2024 10:30:00 GMT+0000 (Coordinated Universal Time)", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 -0800 (PST)", "2024-12-05T18:30:00Z", "2024-12-05"),
        ("Donnerstag, 5. Dezember 2024 um 10:30 Uhr", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("December 5th, 2024 at 10:30 pm", "2024-12-05T22:30:00Z", "2024-12-05"),
        ("5 de diciembre de 2024", "2024-12-05T00:00:00Z", "2024-12-05"),
        ("mar, 05 dic 2024 10:00:00 +0100", "2024-12-05T09:00:00Z", "2024-12-05"),  // mar(tes) is a weekday here
        ("Mar 5 2024", "2024-03-05T00:00:00Z", "2024-03-05"),
        // North America's generic zones
        ("Thu, 05 Dec 2024 10:30:00 ET", "2024-12-05T15:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 CT", "2024-12-05T16:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 MT", "2024-12-05T17:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 PT", "2024-12-05T18:30:00Z", "2024-12-05"),
        ("Thu, 05 Dec 2024 10:30:00 AT", "2024-12-05T14:30:00Z", "2024-12-05"),
        // Korean: 년 월 일, 오전/오후, KST when no zone
        ("2004년 02월 28일  01:31:15", "2004-02-27T16:31:15Z", "2004-02-28"),
        ("2004-05-25 오후 11:23:17", "2004-05-25T14:23:17Z", "2004-05-25"),
        ("2004-05-25 오전 11:23:17", "2004-05-25T02:23:17Z", "2004-05-25"),
        ("2004년 5월 25일 오후 1:23", "2004-05-25T04:23:00Z", "2004-05-25"),
        // Greek and Hungarian day and month names
        ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z", "2004-07-11"),
        ("Τετ, 03 Δεκ 2003 10:00:00 +0200", "2003-12-03T08:00:00Z", "2003-12-03"),
        ("ΠΕΜ, 05 ΜΆΙ 2005 10:00:00 GMT", "2005-05-05T10:00:00Z", "2005-05-05"),
        ("2004-július-13T9:15-05:00", "2004-07-13T14:15:00Z", "2004-07-13"),
        ("csütörtök, 2024. december 5. 10:30", "2024-12-05T10:30:00Z", "2024-12-05"),
        ("2024. márc. 5.", "2024-03-05T00:00:00Z", "2024-03-05"),
        // ISO 8601 reduced and ordinal forms
        ("2003", "2003-01-01T00:00:00Z", "2003-01-01"),
        ("2003-12", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("2003-335", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("2003335", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("2004-366", "2004-12-31T00:00:00Z", "2004-12-31"),
        ("03-12-31", "2003-12-31T00:00:00Z", "2003-12-31"),
        ("031231", "2003-12-31T00:00:00Z", "2003-12-31"),
        ("03-335", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("03335", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("-0312", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("-03-12", "2003-12-01T00:00:00Z", "2003-12-01"),
        ("2003-012-31", "2003-12-31T00:00:00Z", "2003-12-31"),
        ("2003-335T10:14:55Z", "2003-12-01T10:14:55Z", "2003-12-01"),
        ("03-12-31T10:14:55-05:00", "2003-12-31T15:14:55Z", "2003-12-31"),
        ("2003-12-31T10:14:55+14:00", "2003-12-30T20:14:55Z", "2003-12-31"),
    ]

    @Test(arguments: good)
    func parses(_ c: (String, String, String)) {
        let d = DateParser.parse(c.0)
        #expect(d?.utcString == c.1, "\(c.0)")
        #expect(d?.localDateString == c.2, "\(c.0)")
    }

    static let bad = [
        "", "garbage", "yesterday", "2024-13-01", "2024-02-30", "2023-02-29", "2024-12-05T25:00:00Z",
        "2024-12-05T10:61:00Z", "Thu, 32 Dec 2024 10:00:00 GMT", "Thu, 05 Foo 2024", "12/05/2024",
        "2024-12-05T10:30:00+99:00", "1733394600", "Thu, 05 Dec 2024 10:30:00 +1900",
        // Strict: a complete date followed by garbage, a fourth numeric field, an impossible
        // offset, an unknown zone, a year left to the reader.
        "2024-12-05garbage", "2024-12-05 garbage", "2024-12-05T10:30:00Z garbage", "Thu, 05 Dec 2024 10:30:00 GMT garbage",
        "Thu, 05 Dec 2024 10:30:00 XYZ", "5 December 2024 nonsense", "Thu, 05 Dec 2024 10:30:00 +0000 42",
        "05 Dec 2024 2025", "2024-12-05 11 10:30", "2024/12/05/06", "2024-12-05T10:30:00+15:00",
        "Thu, 05 Dec 2024 10:30:00 +2500", "Thu, 05 Dec 2024 10:30:00 +0575", "2024-12-05T10:30:00-14:60",
        "2003-366", "2003-000", "--12-31", "---31", "-335", "2003-13", "03-13-01", "2003-12-31-01",
        "20031231123", "Thu, 05 Dec Mar 2024",
    ]

    @Test(arguments: bad)
    func rejects(_ s: String) {
        #expect(DateParser.parse(s) == nil, "\(s)")
    }

    @Test func keepsTheOffsetAndKnowsDateOnly() {
        let d = DateParser.parse("2024-12-05T01:30:00+03:00")!
        #expect(d.offsetSeconds == 3 * 3600)
        #expect(d.rfc3339String == "2024-12-05T01:30:00+03:00")
        #expect(d.hasTime)
        #expect(DateParser.parse("2024-12-05")?.hasTime == false)
    }

    /// Years 0…9999 are written in place; the rest by the general form, which must agree
    /// with it where both apply (years of one to four digits, zero-padded).
    @Test func civilDatesAreWrittenAsISO() {
        #expect(CivilDate(year: 2024, month: 12, day: 31).isoString == "2024-12-31")
        #expect(CivilDate(year: 5, month: 3, day: 9).isoString == "0005-03-09")
        #expect(CivilDate(year: 0, month: 1, day: 1).isoString == "0000-01-01")
        #expect(CivilDate(year: 9999, month: 10, day: 20).isoString == "9999-10-20")
        #expect(CivilDate(year: 10000, month: 1, day: 1).isoString == "10000-01-01")
        for days in stride(from: Int64(-719_468), through: 2_932_896, by: 9_973) {
            let c = CivilDate(days: days)
            let y = String(c.year)
            let expected = String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + (c.month < 10 ? "0" : "")
                + String(c.month) + "-" + (c.day < 10 ? "0" : "") + String(c.day)
            #expect(c.isoString == expected)
        }
    }

    @Test func civilDateRoundTrips() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let c = CivilDate(days: days)
            #expect(CivilDate.daysFromCivil(year: c.year, month: c.month, day: c.day) == days)
        }
    }
}

/// Inputs the fuzzer (fuzz-date) found: every date read must render and read back.
@Suite struct DateFuzzReproducers {
    static let yearTenThousand: [UInt8] = [
        84, 51, 49, 45, 114, 50, 135, 135] + [UInt8](repeating: 57, count: 58) + [
        135, 135, 135, 135, 135, 135, 135, 255, 78, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 139, 141, 140, 155, 158, 206, 207, 216, 121, 44, 32, 197, 84, 54, 45, 68, 101, 99, 50, 52, 58, 48, 48, 32,
        186, 77, 84,
    ]

    @Test(arguments: [
        yearTenThousand,
        Array("9999-12-31T23:30:00-05:00".utf8), Array("Fri, 31 Dec 9999 23:00:00 -0500".utf8),
        Array("0001-01-01T00:00:00+05:00".utf8), Array("9999-12-30T12:00:00Z".utf8),
    ])
    func everyDateReadReadsBack(_ bytes: [UInt8]) {
        guard let d = bytes.withUnsafeBufferPointer({ DateParser.parse(bytes: $0) }) else { return }
        #expect(DateParser.parse(d.rfc3339String)?.secondsSinceEpoch == d.secondsSinceEpoch, "\(d.rfc3339String)")
        #expect(DateParser.parse(d.utcString)?.secondsSinceEpoch == d.secondsSinceEpoch, "\(d.utcString)")
    }

    @Test func yearsOutsideOneToNineThousandNineHundredNinetyNineAreNotDates() {
        #expect(Self.yearTenThousand.withUnsafeBufferPointer { DateParser.parse(bytes: $0) } == nil)
        #expect(DateParser.parse("9999-12-31T23:30:00-05:00") == nil)
        #expect(DateParser.parse("9999-12-30T12:00:00Z") != nil)
    }
}

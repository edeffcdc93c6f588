import FeedCore
import Testing

@Suite struct DateParserTests {
    @Test func rfc822() {
        #expect(DateParser.parse("Thu, 05 Dec 2024 10:30:00 GMT")?.utcString == "2024-12-05T10:30:00Z")
    }
}

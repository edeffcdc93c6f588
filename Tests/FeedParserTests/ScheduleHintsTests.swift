import FeedCore
import FeedParser
import Testing

@Suite struct ScheduleHintsTests {
    @Test func ttlSyndicationAndSkipHintsAreRead() throws {
        let rss = """
            <rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>x</title>
            <ttl>90</ttl><sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
            <skipHours><hour>0</hour><hour> 1 </hour><hour>24</hour><hour>99</hour></skipHours>
            <skipDays><day>Saturday</day><day>sunday</day><day>Caturday</day></skipDays>
            <item><title>a</title><hour>5</hour></item></channel></rss>
            """
        let info = try FeedParser.parse(Array(rss.utf8)).info
        #expect(info.ttlMinutes == 90)
        #expect(info.updatePeriod == "daily")
        #expect(info.updateFrequency == 2)
        #expect(info.skipHours == [0, 1])  // 24 is midnight again; 99 is not an hour
        #expect(info.skipDays == [6, 0])
        let hints = PublisherHints(info: info)
        #expect(hints.skipHours == [0, 1])
    }
}

import FeedCore
import FeedStore

/// An article's provenance as JSON keys (shared by events, `show` and `tail --json`).
public enum Provenance {
    public static func write(_ delivery: Delivery, into writer: inout JSONWriter, spoolDir: String?) {
        writer.int("seq", delivery.seq)
        writer.string("id", delivery.articleID)
        writer.string("file", delivery.file)
        if let spoolDir { writer.string("path", spoolDir + "/" + delivery.file) }
        writer.string("feed_url", delivery.feedURL)
        writer.string("link", delivery.link)
        writer.string("guid", delivery.guid)
        writer.string("title", delivery.title)
        writer.string("published", delivery.published.map { FeedDate(secondsSinceEpoch: $0, offsetSeconds: Int32(delivery.publishedOffset ?? 0)).rfc3339String })
        writer.string("first_seen", FeedDate(secondsSinceEpoch: delivery.firstSeen).utcString)
        writer.string("decision", delivery.decision.rawValue)
        // Where the text came from: "page" (the note says what decided the extraction) or
        // "feed" (the note says why the page was not used, or not fetched); null for
        // articles delivered before feedspool recorded it.
        writer.string("text_source", delivery.textSource?.name)
        writer.string("text_note", delivery.textSource?.note)
    }
}

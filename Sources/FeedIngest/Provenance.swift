import FeedCore
import FeedStore

/// An article's provenance as JSON keys (shared by events, `show` and `tail --json`).
public enum Provenance {
    public static func write(_ d: Delivery, into w: inout JSONWriter, spoolDir: String?) {
        w.int("seq", d.seq)
        w.string("id", d.articleID)
        w.string("file", d.file)
        if let spoolDir { w.string("path", spoolDir + "/" + d.file) }
        w.string("feed_url", d.feedURL)
        w.string("link", d.link)
        w.string("guid", d.guid)
        w.string("title", d.title)
        w.string("published", d.published.map { FeedDate(secondsSinceEpoch: $0, offsetSeconds: Int32(d.publishedOffset ?? 0)).rfc3339String })
        w.string("first_seen", FeedDate(secondsSinceEpoch: d.firstSeen).utcString)
        w.string("decision", d.decision.rawValue)
        // Where the text came from: "page" (the note says what decided the extraction) or
        // "feed" (the note says why the page was not used, or not fetched); null for
        // articles delivered before feedspool recorded it.
        w.string("text_source", d.textSource?.name)
        w.string("text_note", d.textSource?.note)
    }
}

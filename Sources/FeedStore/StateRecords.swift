// What the state holds, as the rest of feedspool sees it: feeds, seen items, deliveries
// and what one poll commits.

/// A feed as the state knows it. `key` is its stable identity (the URL it was first
/// configured with); `url` follows permanent redirects.
public struct FeedRecord: Sendable, Equatable {
    public var id: Int64
    public var key: String
    public var url: String
    public var name: String?
    public var title: String?
    public var etag: String?
    public var lastModified: String?
    public var added: Int64
    public var lastFetch: Int64?
    public var lastSuccess: Int64?
    public var lastStatus: Int?
    public var failureStreak: Int
    public var lastError: String?
    public var lastErrorStage: String?
    public var nextDue: Int64?
    public var dueReason: String?
    public var retired: Bool
    public var delivered: Int64
    public var duplicates: Int64
    /// Items whose page was fetched for their full text, and of those the ones delivered
    /// with the page's text.
    public var pagesTried: Int64 = 0
    public var pagesUsed: Int64 = 0

    public init(id: Int64, key: String, url: String, name: String?, title: String?, etag: String?, lastModified: String?, added: Int64, lastFetch: Int64?, lastSuccess: Int64?, lastStatus: Int?, failureStreak: Int, lastError: String?, lastErrorStage: String?, nextDue: Int64?, dueReason: String?, retired: Bool, delivered: Int64, duplicates: Int64, pagesTried: Int64, pagesUsed: Int64) {
        self.id = id
        self.key = key
        self.url = url
        self.name = name
        self.title = title
        self.etag = etag
        self.lastModified = lastModified
        self.added = added
        self.lastFetch = lastFetch
        self.lastSuccess = lastSuccess
        self.lastStatus = lastStatus
        self.failureStreak = failureStreak
        self.lastError = lastError
        self.lastErrorStage = lastErrorStage
        self.nextDue = nextDue
        self.dueReason = dueReason
        self.retired = retired
        self.delivered = delivered
        self.duplicates = duplicates
        self.pagesTried = pagesTried
        self.pagesUsed = pagesUsed
    }
}

/// What the state remembers of an item of a feed.
public struct SeenItem: Sendable, Equatable {
    public var content: Int64
    public var seq: Int64?
    public var decision: ItemDecision

    public init(content: Int64, seq: Int64?, decision: ItemDecision) {
        self.content = content
        self.seq = seq
        self.decision = decision
    }
}

/// An item's row, written with a poll's commit.
public struct ItemRecord: Sendable {
    public var identity: Int64
    public var content: Int64
    public var seq: Int64?
    public var decision: ItemDecision

    public init(identity: Int64, content: Int64, seq: Int64?, decision: ItemDecision) {
        self.identity = identity
        self.content = content
        self.seq = seq
        self.decision = decision
    }
}

/// One delivered (or being delivered) article and where it came from.
public struct Delivery: Sendable, Equatable {
    public var seq: Int64
    /// False while only the intent is recorded (the file may not be in the spool yet).
    public var delivered: Bool
    public var articleID: String
    public var file: String
    public var feedID: Int64
    public var feedURL: String
    public var link: String?
    public var guid: String?
    public var title: String
    public var published: Int64?
    public var publishedOffset: Int?
    public var firstSeen: Int64
    /// "new" or "update".
    public var decision: DeliveryDecision
    public var fingerprint: Int64
    public var simhash: Int64?
    /// Nil for articles delivered before schema 3, and for files found in the spool.
    public var textSource: TextSource?

    public init(seq: Int64, delivered: Bool, articleID: String, file: String, feedID: Int64, feedURL: String, link: String?, guid: String?, title: String, published: Int64?, publishedOffset: Int?, firstSeen: Int64, decision: DeliveryDecision, fingerprint: Int64, simhash: Int64?, textSource: TextSource? = nil) {
        self.seq = seq
        self.delivered = delivered
        self.articleID = articleID
        self.file = file
        self.feedID = feedID
        self.feedURL = feedURL
        self.link = link
        self.guid = guid
        self.title = title
        self.published = published
        self.publishedOffset = publishedOffset
        self.firstSeen = firstSeen
        self.decision = decision
        self.fingerprint = fingerprint
        self.simhash = simhash
        self.textSource = textSource
    }
}

/// Everything one poll of one feed records, committed in one transaction: the delivery
/// intents, the items seen (new, skipped or updated), the items still present, the items
/// that wait for their page, and the validators to send next time. The delivery of items
/// whose page came (or whose wait ended) is committed the same way, without a poll.
public struct PollCommit: Sendable {
    public var feedID: Int64
    public var now: Int64
    public var intents: [Delivery] = []
    public var items: [ItemRecord] = []
    public var present: [Int64] = []
    /// False for a delivery of items that waited for their page: the feed's validators
    /// and title are left as the last poll recorded them.
    public var isPoll = true
    public var etag: String?
    public var lastModified: String?
    public var title: String?
    public var duplicates = 0
    /// Items recorded as waiting for their page.
    public var pending: [PendingPage] = []
    /// Identities whose wait ends with this commit (delivered, or found duplicates).
    public var resolved: [Int64] = []
    /// Of `resolved`: how many had their page fetched, and how many got its text.
    public var pagesTried = 0
    public var pagesUsed = 0
    /// The intents' texts were checked against earlier deliveries (`dedup` is not `off`):
    /// a shared state then lets only one writer deliver each fingerprint.
    public var exclusiveFingerprints = false

    public init(feedID: Int64, now: Int64) {
        self.feedID = feedID
        self.now = now
    }
}

/// An item waiting for its page (`full_text`): what its article is made of when the page
/// does not come — the feed's text, title and date, as the poll that found it built them —
/// and where the wait stands.
public struct PendingPage: Sendable, Equatable {
    public var feedID: Int64
    public var identity: Int64
    public var articleID: String
    /// The item's raw content hash (as `items.content`).
    public var content: Int64
    /// An update of an article already delivered (`on_update = "redeliver"`).
    public var isUpdate: Bool
    public var link: String
    public var guid: String?
    public var title: String
    /// The article's date line (`YYYY-MM-DD`), from the item or the day it was first seen.
    public var date: String
    /// The item's own publication time, if it had one.
    public var published: Int64?
    public var publishedOffset: Int?
    /// The feed's text for it, paragraphs separated by one empty line.
    public var body: String
    /// Why its page is wanted (the teaser rule's words, or `full_text = "always"`).
    public var teaser: String
    public var firstSeen: Int64
    /// When the wait ends: the feed's text is delivered then, if the page has not come.
    public var deadline: Int64
    /// Not tried again before this time.
    public var nextAttempt: Int64
    public var attempts: Int
    /// What went wrong on the last attempt.
    public var lastError: String?

    public init(feedID: Int64, identity: Int64, articleID: String, content: Int64, isUpdate: Bool, link: String, guid: String?, title: String, date: String, published: Int64?, publishedOffset: Int?, body: String, teaser: String, firstSeen: Int64, deadline: Int64, nextAttempt: Int64, attempts: Int = 0, lastError: String? = nil) {
        self.feedID = feedID
        self.identity = identity
        self.articleID = articleID
        self.content = content
        self.isUpdate = isUpdate
        self.link = link
        self.guid = guid
        self.title = title
        self.date = date
        self.published = published
        self.publishedOffset = publishedOffset
        self.body = body
        self.teaser = teaser
        self.firstSeen = firstSeen
        self.deadline = deadline
        self.nextAttempt = nextAttempt
        self.attempts = attempts
        self.lastError = lastError
    }

    public var ticket: PageTicket {
        PageTicket(feedID: feedID, identity: identity, link: link, deadline: deadline, nextAttempt: nextAttempt, attempts: attempts, lastError: lastError)
    }
}

/// What the page scheduler keeps in memory of a waiting item (its full record stays in
/// the state until it is delivered).
public struct PageTicket: Sendable, Equatable {
    public var feedID: Int64
    public var identity: Int64
    public var link: String
    public var deadline: Int64
    public var nextAttempt: Int64
    public var attempts: Int
    public var lastError: String?

    public init(feedID: Int64, identity: Int64, link: String, deadline: Int64, nextAttempt: Int64, attempts: Int = 0, lastError: String? = nil) {
        self.feedID = feedID
        self.identity = identity
        self.link = link
        self.deadline = deadline
        self.nextAttempt = nextAttempt
        self.attempts = attempts
        self.lastError = lastError
    }
}

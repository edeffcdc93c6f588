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
}

/// What the state remembers of an item of a feed.
public struct SeenItem: Sendable, Equatable {
    public var content: Int64
    public var seq: Int64?
    public var decision: ItemDecision
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

    public init(seq: Int64, delivered: Bool, articleID: String, file: String, feedID: Int64, feedURL: String, link: String?, guid: String?, title: String, published: Int64?, publishedOffset: Int?, firstSeen: Int64, decision: DeliveryDecision, fingerprint: Int64, simhash: Int64?) {
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
    }
}

/// Everything one poll of one feed records, committed in one transaction: the delivery
/// intents, the items seen (new, skipped or updated), the items still present, and the
/// validators to send next time.
public struct PollCommit: Sendable {
    public var feedID: Int64
    public var now: Int64
    public var intents: [Delivery] = []
    public var items: [ItemRecord] = []
    public var present: [Int64] = []
    public var etag: String?
    public var lastModified: String?
    public var title: String?
    public var duplicates = 0

    public init(feedID: Int64, now: Int64) {
        self.feedID = feedID
        self.now = now
    }
}

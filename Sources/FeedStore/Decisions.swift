/// What became of an item of a feed, as the state records it (the `items` table's
/// `outcome`, `related_seq` and `distance`; schema 2 and later).
public enum ItemDecision: Sendable, Equatable, CustomStringConvertible {
    case delivered
    /// Delivered again: its text changed and `on_update = "redeliver"`.
    case deliveredUpdate
    /// Its article was found in the spool when the state was new.
    case alreadyInSpool
    /// Older than `max_age` on the feed's first poll.
    case tooOld
    /// Beyond `max_items` on the feed's first poll.
    case overMaxItems
    /// The same text as the article with this sequence number.
    case duplicate(of: Int64)
    /// Within the near-duplicate threshold of the article with this sequence number.
    case nearDuplicate(of: Int64, distance: Int)
    /// Waiting for its page (`full_text`); its pending record holds the rest.
    case awaitingPage
    /// Recorded without a decision of its own (the benchmark's bulk identities).
    case recorded

    public var description: String {
        switch self {
        case .delivered: return "delivered"
        case .deliveredUpdate: return "delivered (update)"
        case .alreadyInSpool: return "already in the spool"
        case .tooOld: return "too old (first poll, max_age)"
        case .overMaxItems: return "over max_items (first poll)"
        case .duplicate(let seq): return "duplicate of \(seq) (same text)"
        case .nearDuplicate(let seq, let distance): return "near-duplicate of \(seq) (SimHash distance \(distance))"
        case .awaitingPage: return "waiting for its page"
        case .recorded: return "recorded"
        }
    }

    /// The stored form: a code, and the related article and distance where they apply.
    /// The codes are the schema's: never renumbered.
    public var stored: (code: Int64, relatedSeq: Int64?, distance: Int64?) {
        switch self {
        case .delivered: return (1, nil, nil)
        case .deliveredUpdate: return (2, nil, nil)
        case .alreadyInSpool: return (3, nil, nil)
        case .tooOld: return (4, nil, nil)
        case .overMaxItems: return (5, nil, nil)
        case .duplicate(let seq): return (6, seq, nil)
        case .nearDuplicate(let seq, let distance): return (7, seq, Int64(distance))
        case .awaitingPage: return (8, nil, nil)
        case .recorded: return (0, nil, nil)
        }
    }

    public init(code: Int64, relatedSeq: Int64?, distance: Int64?) {
        switch code {
        case 1: self = .delivered
        case 2: self = .deliveredUpdate
        case 3: self = .alreadyInSpool
        case 4: self = .tooOld
        case 5: self = .overMaxItems
        case 6: self = .duplicate(of: relatedSeq ?? -1)
        case 7: self = .nearDuplicate(of: relatedSeq ?? -1, distance: Int(distance ?? 0))
        case 8: self = .awaitingPage
        default: self = .recorded
        }
    }
}

/// How a delivery came about (the `deliveries` table's `decision`, stored as its raw value).
public enum DeliveryDecision: String, Sendable, Equatable {
    /// A new item.
    case new
    /// An item whose text changed, delivered again.
    case update
    /// An article file found in the spool when the state was new, recorded rather than written.
    case foundInSpool = "found in the spool"
}

/// Where a delivered article's text came from (the `deliveries` table's `text_source` and
/// `text_note`; schema 3 and later).
public enum TextSource: Sendable, Equatable, CustomStringConvertible {
    /// The feed's own text; `why` the page was not used (or not fetched), when known.
    case feed(why: String?)
    /// The item's page; `evidence` is what decided the extraction (`json-ld`, `scored`, …).
    case page(evidence: String)

    public var description: String {
        switch self {
        case .feed(let why): return why.map { "feed (\($0))" } ?? "feed"
        case .page(let evidence): return "page (\(evidence))"
        }
    }

    /// `page` or `feed`.
    public var name: String {
        if case .page = self { return "page" }
        return "feed"
    }

    /// The reason or the evidence.
    public var note: String? {
        switch self {
        case .feed(let why): return why
        case .page(let evidence): return evidence
        }
    }

    public init?(stored name: String?, note: String?) {
        switch name {
        case "page": self = .page(evidence: note ?? "")
        case "feed": self = .feed(why: note)
        default: return nil
        }
    }
}

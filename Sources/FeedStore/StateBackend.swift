/// The state as ingest and the daemon use it, whatever keeps it: `StateStore` (SQLite, one
/// machine, the default) or the cluster's PostgreSQL (`state_url`). One owner at a time: an
/// implementation is used from one actor or thread.
///
/// The delivery protocol's guarantees are the backend's: a `commit` is durable when it
/// returns; `pendingDeliveries` are this node's intents not yet marked delivered; the
/// fingerprints of a commit whose duplicates were checked (`PollCommit.exclusiveFingerprints`)
/// are claimed atomically, so that of two writers committing the same text at once exactly
/// one delivers it and the other is told which of its intents lost (`CommitResult`).
public protocol StateBackend: AnyObject {
    /// Where the state is, for messages (a path, or a connection string without password).
    var place: String { get }
    /// The width `<seq>` is zero-padded to in spool file names.
    var sequenceWidth: Int { get }

    // Sequence numbers.
    /// The number the next reservation starts at (a mark for `releaseSequences`).
    var nextSequence: Int64 { get }
    func reserveSequences(_ count: Int) throws(StoreError) -> Range<Int64>
    /// Gives back numbers reserved since `first` for a batch that was not recorded.
    func releaseSequences(from first: Int64)

    // Feeds.
    func feed(key: String) throws(StoreError) -> FeedRecord?
    func feed(id: Int64) throws(StoreError) -> FeedRecord?
    func allFeeds() throws(StoreError) -> [FeedRecord]
    func ensureFeed(key: String, name: String?, now: Int64) throws(StoreError) -> FeedRecord
    func setRetired(feedID: Int64, _ retired: Bool) throws(StoreError)
    /// Records how a poll ended (the fetch's status or error, and the next due time) and returns
    /// the feed as recorded. In a cluster it also ends this node's lease on the feed.
    func finishPoll(feedID: Int64, _ poll: PollRecord) throws(StoreError) -> FeedRecord

    // Items and duplicates.
    func seen(feedID: Int64, identity: Int64) throws(StoreError) -> SeenItem?
    func hasNoItems(feedID: Int64) throws(StoreError) -> Bool
    /// The items of a feed the state knows among `identities` (one round trip to a server).
    func seen(feedID: Int64, identities: [Int64]) throws(StoreError) -> [Int64: SeenItem]
    func fingerprintOwner(_ fingerprint: Int64) throws(StoreError) -> Int64?
    /// The deliveries owning those of `fingerprints` the state knows.
    func fingerprintOwners(_ fingerprints: [Int64]) throws(StoreError) -> [Int64: Int64]
    func nearestSimHash(_ hash: UInt64, threshold: Int) throws(StoreError) -> (seq: Int64, distance: Int)?

    // The delivery protocol.
    func commit(_ poll: PollCommit) throws(StoreError) -> CommitResult
    func markDelivered(_ seqs: [Int64]) throws(StoreError)
    func pendingDeliveries() throws(StoreError) -> [Delivery]
    var hasNoDeliveries: Bool { get throws(StoreError) }
    func wasFoundInSpool(articleID: String) throws(StoreError) -> Bool
    func recordFoundInSpool(_ files: [(seq: Int64, id: String, name: String)], now: Int64) throws(StoreError)

    // Provenance and counts.
    func delivery(seq: Int64) throws(StoreError) -> Delivery?
    func deliveries(articleID: String) throws(StoreError) -> [Delivery]
    var deliveredCount: Int64 { get throws(StoreError) }
    var seenCount: Int64 { get throws(StoreError) }

    // Items waiting for their page.
    func pendingPage(feedID: Int64, identity: Int64) throws(StoreError) -> PendingPage?
    func pageTickets() throws(StoreError) -> [PageTicket]
    func recordPageAttempt(_ ticket: PageTicket) throws(StoreError)
    var pendingPageCount: Int64 { get throws(StoreError) }

    // Bounds.
    func prune(before cutoff: Int64, nearBefore nearCutoff: Int64?) throws(StoreError) -> StatePruned
    /// Hands what the backend buffers to its main store (SQLite's log); false when it could
    /// not finish now (nothing is lost).
    func checkpoint() throws(StoreError) -> Bool
    var size: StateSize { get throws(StoreError) }
    /// Runs `body` in one transaction.
    func inTransaction(_ body: () throws(StoreError) -> Void) throws(StoreError)
}

/// What a commit changed of what it was given: intents whose text another writer delivered
/// first (only a shared state has other writers). Their items were recorded as duplicates
/// of the winner; their files must be discarded, never published.
public struct CommitResult: Sendable, Equatable {
    /// A losing intent's sequence number → the delivery that owns its fingerprint.
    public var lost: [Int64: Int64] = [:]

    public init(lost: [Int64: Int64] = [:]) {
        self.lost = lost
    }
}

/// How a poll ended, as its feed's record keeps it: the fetch's status or error, a
/// permanent redirect, retirement (410), and when the feed is due next and why.
public struct PollRecord: Sendable, Equatable {
    public var now: Int64
    public var status: Int?
    public var errorStage: String?
    public var errorMessage: String?
    /// A permanent redirect's target: the feed's URL from now on.
    public var newURL: String?
    public var retired: Bool?
    public var nextDue: Int64?
    public var dueReason: String?

    public init(now: Int64, status: Int?, error: (stage: String, message: String)? = nil, newURL: String? = nil, retired: Bool? = nil, nextDue: Int64? = nil, dueReason: String? = nil) {
        self.now = now
        self.status = status
        self.errorStage = error?.stage
        self.errorMessage = error?.message
        self.newURL = newURL
        self.retired = retired
        self.nextDue = nextDue
        self.dueReason = dueReason
    }

    public var error: (stage: String, message: String)? {
        guard let errorStage, let errorMessage else { return nil }
        return (errorStage, errorMessage)
    }
}

/// What one `prune` forgot.
public struct StatePruned: Sendable, Equatable {
    /// Item identities not seen since the cutoff (their tombstones).
    public var items = 0
    /// Text fingerprints and SimHash bands past their windows.
    public var fingerprints = 0
    /// Delivered articles' provenance (`show`), older than the cutoff.
    public var deliveries = 0

    public init() {}

    public var total: Int { items + fingerprints + deliveries }
}

/// Rows of each table and the state's bytes on disk, for the metrics and for tests of how
/// the state grows.
public struct StateSize: Sendable, Equatable {
    public var feeds: Int64
    public var items: Int64
    public var deliveries: Int64
    public var fingerprints: Int64
    public var simhashes: Int64
    public var pendingPages: Int64
    public var bytes: Int64

    public init(feeds: Int64, items: Int64, deliveries: Int64, fingerprints: Int64, simhashes: Int64, pendingPages: Int64, bytes: Int64) {
        self.feeds = feeds
        self.items = items
        self.deliveries = deliveries
        self.fingerprints = fingerprints
        self.simhashes = simhashes
        self.pendingPages = pendingPages
        self.bytes = bytes
    }
}

extension StateBackend {
    /// One lookup an identity: what an embedded database answers fastest.
    public func seen(feedID: Int64, identities: [Int64]) throws(StoreError) -> [Int64: SeenItem] {
        var found: [Int64: SeenItem] = [:]
        for identity in identities {
            if let item = try seen(feedID: feedID, identity: identity) { found[identity] = item }
        }
        return found
    }

    public func fingerprintOwners(_ fingerprints: [Int64]) throws(StoreError) -> [Int64: Int64] {
        var found: [Int64: Int64] = [:]
        for fingerprint in fingerprints {
            if let owner = try fingerprintOwner(fingerprint) { found[fingerprint] = owner }
        }
        return found
    }


    @discardableResult
    public func prune(before cutoff: Int64) throws(StoreError) -> StatePruned {
        try prune(before: cutoff, nearBefore: nil)
    }
}

import FeedCore
import FeedSpool
import FeedStore

#if canImport(Glibc)
    import Glibc
#endif

/// Spool file names, as the format defines them.
enum ArticleFileName {
    static func parse(_ name: String) -> (seq: Int, id: String)? {
        Article.parseFileName(name).map { ($0.seq, $0.id) }
    }
}

/// Why a delivery failed; nothing of the failed batch is recorded as seen.
public enum DeliveryError: Error, Sendable, CustomStringConvertible {
    case spool(SpoolError)
    case state(StoreError)

    public var description: String {
        switch self {
        case .spool(let failure): return "\(failure)"
        case .state(let failure): return "\(failure)"
        }
    }

    public var isDiskFull: Bool {
        switch self {
        case .spool(let failure): return failure.isDiskFull
        case .state(let failure): return failure.isDiskFull
        }
    }
}

/// An article ready to be written: its spool file name and its exact text.
public struct ArticleFile: Sendable {
    public var name: String
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// Exactly-once delivery into the spool, with the state as the ledger.
///
/// The protocol, per batch (one poll of one feed):
/// 1. write every article into `tmp/` and make the files and their names durable: by
///    default all at once (`syncfs` of the spool's filesystem, which fails on any write-back
///    error since the batch began), or each file fsynced in turn and then `tmp/`
///    (`SpoolDirectory.Durability`); any failure fails the batch before anything is recorded;
/// 2. commit the poll to the state: the delivery intents (not yet delivered), the items
///    seen, the validators — one transaction;
/// 3. rename each file into the spool; fsync the spool directory (and `tmp/`);
/// 4. mark the intents delivered (a commit not flushed on its own: a mark lost in a crash
///    is made again by `recover()`, which finds the file no longer staged).
///
/// A crash anywhere leaves one of three states, each resolved by `recover()`: before 2 —
/// nothing is recorded, the leftovers in `tmp/` are removed and the items are delivered
/// on a later poll; between 2 and 4 — each pending intent's file is either still in
/// `tmp/` (complete and durable since step 1: it is renamed now) or already renamed
/// (perhaps even taken by a consumer: the intent is marked delivered, never written
/// again). Readers of the spool only ever see renamed, complete files.
public final class Deliverer {
    public let store: any StateBackend
    public let spool: SpoolDirectory
    /// A publish step failed after its commit: run `recover()` before the next batch.
    public private(set) var needsRecovery = true
    /// How a batch's files are made durable before its commit (the benchmark compares both).
    public var durability = SpoolDirectory.Durability.batched

    public init(store: any StateBackend, spool: SpoolDirectory) {
        self.store = store
        self.spool = spool
    }

    public struct Recovery: Sendable {
        /// Intents completed by renaming their staged file.
        public var published: Int
        /// Intents whose file had already been renamed.
        public var alreadyPublished: Int
        /// Staged files no intent knew of (a crash before the commit), removed.
        public var leftovers: [String]
        /// Article files in the spool a new (or lost) state did not know, now recorded.
        public var foundInSpool = 0
    }

    /// Completes what a crash interrupted and clears `tmp/`. Run before delivering.
    @discardableResult
    public func recover() throws(DeliveryError) -> Recovery {
        var recovery = Recovery(published: 0, alreadyPublished: 0, leftovers: [])
        let pending: [Delivery]
        do { pending = try store.pendingDeliveries() } catch { throw .state(error) }
        do {
            for delivery in pending {
                if spool.isStaged(delivery.file) {
                    try spool.publish(delivery.file)
                    recovery.published += 1
                } else {
                    recovery.alreadyPublished += 1
                }
            }
            if !pending.isEmpty { try spool.syncPublished() }
        } catch { throw .spool(error) }
        do { try store.markDelivered(pending.map(\.seq)) } catch { throw .state(error) }
        do { recovery.leftovers = try spool.clearStaging() } catch { throw .spool(error) }
        recovery.foundInSpool = try adoptSpoolFiles()
        needsRecovery = false
        return recovery
    }

    /// A state with no deliveries beside a spool holding articles (the state was lost or
    /// replaced): record the files it holds, so their items are never written again and
    /// numbering continues after them. Only then is the spool listed: a known state never
    /// depends on (or pays for) reading the spool.
    private func adoptSpoolFiles() throws(DeliveryError) -> Int {
        do {
            guard try store.hasNoDeliveries else { return 0 }
        } catch { throw .state(error) }
        let names: [String]
        do { names = try spool.articleNames() } catch { throw .spool(error) }
        var found: [(seq: Int64, id: String, name: String)] = []
        for fileName in names {
            if let parsed = ArticleFileName.parse(fileName) { found.append((Int64(parsed.seq), parsed.id, fileName)) }
        }
        do { try store.recordFoundInSpool(found, now: Int64(time(nil))) } catch { throw .state(error) }
        return found.count
    }

    /// Delivers one batch by the protocol above. On failure before the commit nothing is
    /// recorded (the batch's staged files are removed) and the error says why. Returns what
    /// the commit changed: intents another writer of a shared state delivered first, whose
    /// staged files are discarded instead of published.
    @discardableResult
    public func deliver(_ files: [ArticleFile], commit: PollCommit) throws(DeliveryError) -> CommitResult {
        if needsRecovery { try recover() }
        var staged: [String] = []
        do {
            try spool.stage(files.map { ($0.name, $0.text) }, durability: durability) { staged.append($0) }
        } catch {
            // Every file the batch created, a half-written one included.
            for name in staged { spool.discardStaged(name) }
            throw .spool(error)
        }
        let result: CommitResult
        do {
            result = try store.commit(commit)
        } catch {
            for name in staged { spool.discardStaged(name) }
            throw .state(error)
        }
        needsRecovery = true
        let won = commit.intents.filter { result.lost[$0.seq] == nil }
        if won.count < commit.intents.count {
            let lostFiles = Set(commit.intents.filter { result.lost[$0.seq] != nil }.map(\.file))
            for name in staged where lostFiles.contains(name) { spool.discardStaged(name) }
            staged.removeAll { lostFiles.contains($0) }
        }
        do {
            for name in staged { try spool.publish(name) }
            if !staged.isEmpty { try spool.syncPublished() }
        } catch { throw .spool(error) }
        do { try store.markDelivered(won.map(\.seq)) } catch { throw .state(error) }
        needsRecovery = false
        return result
    }
}

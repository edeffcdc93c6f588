import CSystemShims
import FeedConfig
import FeedCore
import FeedFetch
import FeedIngest
import FeedStore
import FeedStorePostgres
import Logging
import ServiceLifecycle
#if canImport(Glibc)
    import Glibc
#endif

/// A poll's result applied: recorded, counted, announced; failures of the state named.
extension Poller {
    /// Records a poll's result in the state and on the board, and logs what changed.
    func apply(_ key: String, _ fetched: FetchedFeed, _ loop: inout LoopState) {
        guard var entry = feeds[key] else { return }  // removed by a reload meanwhile
        if case .failed(let failure) = fetched.result.outcome, failure.stage == .cancelled { return }  // shutting down
        let now = clock()
        let before = entry.record
        let interval = config.interval(for: entry.config)
        let (outcome, recorded) = site.apply(fetched, feed: before, settings: site.settings(for: entry.config), interval: interval, now: now)
        let failedWrites = site.takeFailedWrites()
        if let recorded {
            entry.record = recorded
            // Recording the poll ended this node's lease (see `finishPoll`).
            loop.leased[key] = nil
        }
        if failedWrites.isEmpty {
            if board.snapshot.stateWritesFailing { board.update { $0.stateWritesFailing = false } }
        } else {
            for message in failedWrites { stateWriteFailed(message, nil, now: now, feed: key) }
            // What the state could not record is kept here, so that the feed shows as failing
            // and is not polled again at once (its stored due time is the old one).
            entry.record.failureStreak = max(entry.record.failureStreak, 1)
            entry.record.lastErrorStage = "state"
            entry.record.lastError = failedWrites.joined(separator: "; ")
            entry.record.nextDue = now + interval
            entry.record.dueReason = "every \(interval / 60) min (the state could not record the schedule)"
        }
        feeds[key] = entry
        board.update { snapshot in
            snapshot.feeds[key] = entry.record
            snapshot.polls += 1
        }
        switch outcome {
        case .ok(let report):
            noteDelivered(report, now: now)
            for ticket in report.awaitingPage { pages.add(ticket) }
            if before.failureStreak > 0 {
                logger.notice("feed recovered after \(before.failureStreak) failure(s)", metadata: ["feed": "\(key)"])
            }
            if let to = fetched.result.http?.permanentRedirect {
                logger.notice("feed moved permanently; polling the new URL from now on", metadata: ["feed": "\(key)", "to": "\(to)"])
            }
        case .unchanged:
            if before.failureStreak > 0 {
                logger.notice("feed recovered after \(before.failureStreak) failure(s)", metadata: ["feed": "\(key)"])
            }
        case .failed(let stage, let message):
            board.recordError(.init(time: now, feed: key, stage: stage, message: message))
            // A failing feed logs when its failure changes, not on every poll.
            if before.failureStreak == 0 || before.lastErrorStage != entry.record.lastErrorStage || before.lastError != entry.record.lastError {
                logger.warning("feed failing (\(stage)): \(message)", metadata: ["feed": "\(key)", "next": "\(entry.record.dueReason ?? "-")"])
            }
        }
    }

    /// Counts, times and announces what a delivery delivered.
    func noteDelivered(_ report: IngestReport, now: Int64) {
        if !report.delivered.isEmpty {
            board.recordDeliveries(report.delivered.map(\.firstSeen), now: now)
            // Freshness is publication to delivery (an article that waited for its page
            // counts its wait).
            board.update { snapshot in
                for delivery in report.delivered { if let published = delivery.published { snapshot.freshness.observe(Double(max(0, now - published))) } }
            }
            if wantsEvents() {
                for delivery in report.delivered {
                    publish(Self.event(delivery, spoolDir: config.spoolDir, text: site.ingestor.deliverer.spool.readArticle(delivery.file), node: cluster?.node))
                }
            }
        }
        if !report.duplicates.isEmpty { board.update { $0.duplicatesTotal += Int64(report.duplicates.count) } }
    }

    /// A state write failed: logged with what and where, counted for the metrics, shown in
    /// systemd's status until a later write succeeds, and listed among the last errors
    /// (under the feed it concerns, if any).
    func stateWriteFailed(_ what: String, _ error: (any Error)?, now: Int64, feed: String? = nil) {
        let message = error.map { "\(what): \($0)" } ?? what
        var metadata: Logger.Metadata = [:]
        if let feed { metadata["feed"] = "\(feed)" }
        logger.error("state write failed: \(message)", metadata: metadata)
        board.update {
            $0.stateWriteFailures += 1
            $0.stateWritesFailing = true
        }
        board.recordError(.init(time: now, feed: feed ?? "-", stage: "state", message: message))
    }

    /// The `subscribe` event for a delivered article.
    static func event(_ delivery: Delivery, spoolDir: String?, text: String?, node: String? = nil) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.int("v", Int64(ControlProtocol.version))
        writer.string("event", "article")
        // In a cluster: the node that delivered it (its spool holds the file).
        if let node { writer.string("node", node) }
        Provenance.write(delivery, into: &writer, spoolDir: spoolDir)
        writer.string("text", text)
        writer.endObject()
        return writer.string
    }
}

import ArgumentParser
import FeedConfig
import FeedCore
import FeedIngest
import FeedStore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show where an article came from.",
        discussion: """
            Looks an article up by its sequence number or its 16-hex-digit id in the daemon's \
            state and prints its provenance: feed URL, item link, GUID, publication time with \
            its original offset, when it was first seen, its file and the de-duplication \
            decision. An id delivered more than once (updates redelivered) shows every delivery.
            """)

    @Argument(help: ArgumentHelp("A sequence number or an article id.", valueName: "seq|id"))
    var article: String

    @Flag(help: "Print JSON (one object per delivery, one line each).")
    var json = false

    @Option(help: ArgumentHelp("The daemon's configuration file (for state_dir).", valueName: "file"))
    var config: String = Config.defaultPath

    @Option(help: ArgumentHelp("The state directory (instead of reading it from the configuration).", valueName: "dir"))
    var stateDir: String?

    func run() throws {
        let (store, found) = try lookUp()
        let out = Output()
        for delivery in found {
            let feed = try? store.feed(id: delivery.feedID)
            if json {
                var writer = JSONWriter()
                writer.beginObject()
                Provenance.write(delivery, into: &writer, spoolDir: nil)
                writer.bool("delivered", delivery.delivered)
                writer.string("feed_key", feed?.key)
                writer.string("feed_name", feed?.name)
                writer.endObject()
                out.write(writer.string + "\n")
            } else {
                for (label, value) in Self.rows(delivery, feed: feed) { out.write(label.padding(11) + (value ?? "-") + "\n") }
                if found.count > 1 { out.write("\n") }
            }
        }
        out.flush()
    }

    /// Opens the state read-only and finds the deliveries asked for (several for an
    /// article id delivered more than once); what cannot be found is reported and ends
    /// the command.
    private func lookUp() throws -> (any StateBackend, [Delivery]) {
        var dir = stateDir ?? ""
        var stateURL: String?
        var node = ""
        if stateDir == nil {
            do {
                let loaded = try Config.load(path: config)
                dir = loaded.stateDir
                stateURL = loaded.stateURL
                node = loaded.node
            } catch {
                Diagnostics.print("\(error)")
                throw ExitCode(2)
            }
        }
        let found: [Delivery]
        let store: any StateBackend
        do {
            store = try IngestSite.openState(stateDir: dir, stateURL: stateURL, node: node, readOnly: true)
            if article.count == 16, article.allSatisfy(\.isHexDigit) {
                found = try store.deliveries(articleID: article.lowercased())
            } else if let seq = Int64(article) {
                found = try store.delivery(seq: seq).map { [$0] } ?? []
            } else {
                Diagnostics.print("\(article): give a sequence number or a 16-hex-digit article id")
                throw ExitCode(2)
            }
        } catch let failure as StoreError {
            Diagnostics.print("\(failure)")
            throw ExitCode(1)
        }
        guard !found.isEmpty else {
            Diagnostics.print("\(article): no such article in \(store.place)")
            throw ExitCode(1)
        }
        return (store, found)
    }

    /// A delivery's labelled lines, in the order they are printed.
    private static func rows(_ delivery: Delivery, feed: FeedRecord?) -> [(label: String, value: String?)] {
        let published = delivery.published.map {
            FeedDate(secondsSinceEpoch: $0, offsetSeconds: Int32(delivery.publishedOffset ?? 0)).rfc3339String
        }
        return [
            ("seq", String(delivery.seq)), ("id", delivery.articleID), ("file", delivery.file),
            ("state", delivery.delivered ? "delivered" : "being delivered (the daemon completes it at start-up)"),
            ("feed", delivery.feedURL + (feed?.name.map { " (\($0))" } ?? "")), ("link", delivery.link), ("guid", delivery.guid),
            ("title", delivery.title), ("published", published), ("first seen", FeedDate(secondsSinceEpoch: delivery.firstSeen).utcString),
            ("decision", delivery.decision.rawValue), ("text", delivery.textSource?.description),
        ]
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

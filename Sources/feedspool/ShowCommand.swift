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
        let dir: String
        var stateURL: String?
        var node = ""
        if let stateDir {
            dir = stateDir
        } else {
            do {
                let c = try Config.load(path: config)
                dir = c.stateDir
                stateURL = c.stateURL
                node = c.node
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
        } catch let e as StoreError {
            Diagnostics.print("\(e)")
            throw ExitCode(1)
        }
        guard !found.isEmpty else {
            Diagnostics.print("\(article): no such article in \(store.place)")
            throw ExitCode(1)
        }
        let out = Output()
        for d in found {
            let feed = try? store.feed(id: d.feedID)
            let published = d.published.map { FeedDate(secondsSinceEpoch: $0, offsetSeconds: Int32(d.publishedOffset ?? 0)).rfc3339String }
            let firstSeen = FeedDate(secondsSinceEpoch: d.firstSeen).utcString
            if json {
                var w = JSONWriter()
                w.beginObject()
                Provenance.write(d, into: &w, spoolDir: nil)
                w.bool("delivered", d.delivered)
                w.string("feed_key", feed?.key)
                w.string("feed_name", feed?.name)
                w.endObject()
                out.write(w.string + "\n")
            } else {
                let rows: [(String, String?)] = [
                    ("seq", String(d.seq)), ("id", d.articleID), ("file", d.file),
                    ("state", d.delivered ? "delivered" : "being delivered (the daemon completes it at start-up)"),
                    ("feed", d.feedURL + (feed?.name.map { " (\($0))" } ?? "")), ("link", d.link), ("guid", d.guid),
                    ("title", d.title), ("published", published), ("first seen", firstSeen), ("decision", d.decision.rawValue),
                    ("text", d.textSource?.description),
                ]
                for (k, v) in rows { out.write(k.padding(11) + (v ?? "-") + "\n") }
                if found.count > 1 { out.write("\n") }
            }
        }
        out.flush()
    }
}

extension String {
    fileprivate func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}

import ArgumentParser
import FeedCore
import Foundation

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the newest articles; with -f, each new one as it is delivered.",
        discussion: """
            Prints the last N articles of the spool (by delivery order), each after a line \
            "==> NAME <==", or with --json one object per line (seq, id, file, path, text, and \
            the provenance the daemon sends). With -f it then waits for new articles: through the \
            daemon's event stream when feedspoold runs, else by watching the spool directory. \
            On a node of a cluster it follows every node's articles, each with its node \
            ("==> NODE: NAME <==", "node" in JSON) and path.
            """)

    @OptionGroup var daemon: DaemonOptions

    @Option(name: [.customShort("n"), .customLong("lines")], help: ArgumentHelp("How many of the newest articles to print first.", valueName: "n"))
    var lines = 10

    @Flag(name: .shortAndLong, help: "Keep printing articles as they are delivered.")
    var follow = false

    @Option(help: ArgumentHelp("The spool directory (default: from the configuration or the daemon).", valueName: "dir"))
    var spool: String?

    func validate() throws {
        if lines < 0 { throw ValidationError("-n must be 0 or more") }
    }

    func run() throws {
        let out = Output()
        // Subscribe before listing, so nothing delivered in between is missed.
        var client: ControlClient?
        if follow {
            client = try? ControlClient(path: daemon.socketPath)
            if let c = client {
                do {
                    _ = try c.request("subscribe")
                } catch {
                    client = nil
                }
            }
        }
        guard let dir = spool ?? daemon.loadConfig()?.spoolDir ?? daemonSpool() else {
            Diagnostics.print("cannot tell where the spool is: give --spool DIR or --config FILE")
            throw ExitCode(2)
        }
        var last = ""
        let names = (try? Self.articleNames(dir)) ?? []
        for name in names.suffix(lines) {
            if let text = Self.read(dir + "/" + name) { emit(out, name: name, text: text, dir: dir, event: nil) }
            last = name
        }
        if let name = names.last { last = max(last, name) }
        out.flush()
        guard follow else { return }
        if let client {
            while let line = client.readLine() {
                guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { continue }
                switch o["event"] as? String {
                case "article" where o["node"] is String && o["path"] as? String != dir + "/" + (o["file"] as? String ?? ""):
                    // Another node's article (a cluster): numbered from that node's blocks,
                    // not in this spool's order, and never in the backlog printed above.
                    guard let name = o["file"] as? String else { continue }
                    let path = o["path"] as? String
                    let text = o["text"] as? String ?? path.flatMap(Self.read) ?? ""
                    emit(out, name: name, text: text, dir: path.map { String($0.dropLast(name.utf8.count + 1)) } ?? dir, event: o)
                case "article":
                    guard let name = o["file"] as? String, name > last else { continue }
                    let text = o["text"] as? String ?? Self.read(dir + "/" + name) ?? ""
                    emit(out, name: name, text: text, dir: dir, event: o)
                    last = name
                case "dropped":
                    Diagnostics.print("the daemon dropped \(o["count"] ?? "some") event(s): this reader was too slow")
                default:
                    continue
                }
                out.flush()
            }
            Diagnostics.print("feedspoold closed the event stream")
            throw ExitCode(ClientExit.unreachable)
        }
        // No daemon: watch the directory (bounded work per check: one listing).
        while true {
            usleep(250_000)
            guard let now = try? Self.articleNames(dir) else { continue }
            for name in now where name > last {
                if let text = Self.read(dir + "/" + name) {
                    emit(out, name: name, text: text, dir: dir, event: nil)
                    last = name
                }
            }
            out.flush()
        }
    }

    /// The spool the daemon reports (a subscribed connection cannot be asked: a new one is).
    private func daemonSpool() -> String? {
        guard let s = try? daemon.request("status") as? [String: Any] else { return nil }
        return (s["spool"] as? [String: Any])?["path"] as? String
    }

    private func emit(_ out: Output, name: String, text: String, dir: String, event: [String: Any]?) {
        if daemon.json {
            var o = event ?? [:]
            o["event"] = nil
            o["v"] = nil
            if let p = Article.parseFileName(name) {
                o["seq"] = p.seq
                o["id"] = p.id
            }
            o["file"] = name
            o["path"] = dir + "/" + name
            o["text"] = text
            out.write(jsonLine(o) + "\n")
        } else {
            let node = (event?["node"] as? String).map { "\($0): " } ?? ""
            out.write("==> \(node)\(name) <==\n")
            out.write(text)
            out.write("\n\n")
        }
    }

    /// Article files in delivery order (names sort by their fixed-width sequence).
    static func articleNames(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { Article.parseFileName($0) != nil }.sorted()
    }

    static func read(_ path: String) -> String? {
        guard let d = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: d, as: UTF8.self)
    }
}

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
        let client = follow ? subscribed() : nil
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
            try followEvents(client, dir: dir, after: last, out)
        }
        watch(dir, after: last, out)
    }

    /// A connection subscribed to the daemon's events; nil when no daemon answers.
    private func subscribed() -> ControlClient? {
        guard let client = try? ControlClient(path: daemon.socketPath) else { return nil }
        do {
            _ = try client.request(.init("subscribe"))
        } catch {
            return nil
        }
        return client
    }

    /// Prints each article the daemon announces after `last`, and another node's (in a
    /// cluster) as it comes; returns never: the end of the stream ends the command.
    private func followEvents(_ client: ControlClient, dir: String, after last: String, _ out: Output) throws -> Never {
        var last = last
        while let line = client.readLine() {
            guard let event = try? JSONValue.parse(Array(line.utf8)), event.isObject else { continue }
            let file = event["file"]?.string, path = event["path"]?.string
            switch event["event"]?.string {
            case "article" where event["node"]?.string != nil && path != dir + "/" + (file ?? ""):
                // Another node's article (a cluster): numbered from that node's blocks,
                // not in this spool's order, and never in the backlog printed before.
                guard let name = file else { continue }
                let text = event["text"]?.string ?? path.flatMap(Self.read) ?? ""
                emit(out, name: name, text: text, dir: path.map { String($0.dropLast(name.utf8.count + 1)) } ?? dir, event: event)
            case "article":
                guard let name = file, name > last else { continue }
                let text = event["text"]?.string ?? Self.read(dir + "/" + name) ?? ""
                emit(out, name: name, text: text, dir: dir, event: event)
                last = name
            case "dropped":
                Diagnostics.print("the daemon dropped \(event["count"]?.scalarText ?? "some") event(s): this reader was too slow")
            default:
                continue
            }
            out.flush()
        }
        Diagnostics.print("feedspoold closed the event stream")
        throw ExitCode(ClientExit.unreachable)
    }

    /// No daemon: watches the directory, printing each article named after `last` (bounded
    /// work per check: one listing). Runs until the command is stopped.
    private func watch(_ dir: String, after last: String, _ out: Output) -> Never {
        var last = last
        while true {
            usleep(250_000)
            guard let names = try? Self.articleNames(dir) else { continue }
            for name in names where name > last {
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
        (try? daemon.request(.init("status")))?["spool"]?["path"]?.string
    }

    /// The fields an article's line carries: what the daemon said of it, then where it is
    /// and its text (keys in order, one line of JSON).
    private func emit(_ out: Output, name: String, text: String, dir: String, event: JSONValue?) {
        if daemon.json {
            var fields: [String: JSONValue] = [:]
            for (key, value) in event?.members ?? [] where key != "event" && key != "v" { fields[key] = value }
            if let parsed = Article.parseFileName(name) {
                fields["seq"] = .number(String(parsed.seq))
                fields["id"] = .string(parsed.id)
            }
            fields["file"] = .string(name)
            fields["path"] = .string(dir + "/" + name)
            fields["text"] = .string(text)
            out.write(JSONValue.object(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).encoded + "\n")
        } else {
            let node = event?["node"]?.string.map { "\($0): " } ?? ""
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
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

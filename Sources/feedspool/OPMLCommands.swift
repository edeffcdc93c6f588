import ArgumentParser
import FeedConfig
import FeedFetch
import FeedParser

#if canImport(Glibc)
    import Glibc
#endif

struct ImportOPMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-opml",
        abstract: "Turn an OPML subscription list into [[feed]] tables.",
        discussion: """
            Prints a [[feed]] table (url, name, tags from the nested outlines and categories) for \
            every subscription of FILE (a file, or an http(s) URL fetched through the daemon's \
            engine) that the configuration does not have yet; --append adds \
            them to the configuration file instead (then run feedspool reload). A configuration \
            can also name the OPML file itself: opml = "subscriptions.opml".
            """)

    @Argument(help: ArgumentHelp("The OPML file, or its http(s) URL.", valueName: "file"))
    var file: String

    @Flag(help: "With a URL: allow loopback, private, link-local and unique-local addresses.")
    var allowPrivateNetworks = false

    @Option(help: ArgumentHelp("The configuration to compare with (and to append to).", valueName: "file"))
    var config: String = Config.defaultPath

    @Flag(help: "Append the new tables to the configuration file.")
    var append = false

    func run() async throws {
        let feeds: [OPMLFeed]
        do {
            feeds = try OPML.parse(try await document())
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Diagnostics.print("\(file): \(error)")
            throw ExitCode(1)
        }
        let existing = try configuredURLs()
        var toml = ""
        var added = 0
        var seen = Set<String>()
        for feed in feeds where !existing.contains(feed.xmlURL) && seen.insert(feed.xmlURL).inserted {
            toml += "\n[[feed]]\nurl = \(Self.quote(feed.xmlURL))\n"
            if let title = feed.title { toml += "name = \(Self.quote(title))\n" }
            if !feed.tags.isEmpty { toml += "tags = [" + feed.tags.map(Self.quote).joined(separator: ", ") + "]\n" }
            added += 1
        }
        if append {
            guard let handle = fopen(config, "a") else {
                Diagnostics.print("\(config): cannot open for appending")
                throw ExitCode(1)
            }
            fputs(toml, handle)
            fclose(handle)
            Diagnostics.print("\(added) feed\(added == 1 ? "" : "s") appended to \(config) (\(feeds.count - added) already there); run feedspool reload")
        } else {
            print(toml, terminator: "")
            Diagnostics.print("\(added) new feed\(added == 1 ? "" : "s") of \(feeds.count) in \(file)")
        }
    }

    /// The OPML document's bytes: fetched through the engine for an http(s) URL, read
    /// otherwise. A failure is reported and ends the command.
    private func document() async throws -> [UInt8] {
        let lower = file.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return try Diagnostics.orExit { try InputFile(path: file).bytes() }
        }
        var config = FetchConfiguration()
        config.allowPrivateNetworks = allowPrivateNetworks
        let engine = try Diagnostics.orExit { try FetchEngine(configuration: config) }
        defer { engine.shutdown() }
        let result = await engine.fetch(FetchRequest(url: file))
        guard case .fetched(let body) = result.outcome else {
            Diagnostics.print("\(file): \(result.error.map { "\($0)" } ?? "no OPML document")")
            throw ExitCode(1)
        }
        return body
    }

    /// The feed URLs the configuration has already (none when it cannot be read, unless
    /// the new tables are to be appended to it).
    private func configuredURLs() throws -> Set<String> {
        if let loaded = try? Config.load(path: config) { return Set(loaded.feeds.map(\.url)) }
        guard !append else {
            Diagnostics.print("\(config): cannot read the configuration to append to")
            throw ExitCode(1)
        }
        return []
    }

    /// A TOML basic string.
    static func quote(_ text: String) -> String {
        var quoted = "\""
        for ch in text.unicodeScalars {
            switch ch {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    let hex = String(ch.value, radix: 16, uppercase: true)
                    quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    quoted.unicodeScalars.append(ch)
                }
            }
        }
        return quoted + "\""
    }
}

struct ExportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-opml",
        abstract: "Print the configured feeds as an OPML 2.0 subscription list (nested by tags).")

    @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = Config.defaultPath

    func run() throws {
        let loaded = try Diagnostics.orExit(2) { try Config.load(path: config) }
        print(OPML.write(loaded.feeds.map { OPMLFeed(xmlURL: $0.url, title: $0.name, tags: $0.tags) }), terminator: "")
    }
}

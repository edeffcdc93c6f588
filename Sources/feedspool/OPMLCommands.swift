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
        var bytes: [UInt8] = []
        let lower = file.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") {
            var config = FetchConfiguration()
            config.allowPrivateNetworks = allowPrivateNetworks
            do {
                let engine = try FetchEngine(configuration: config)
                defer { engine.shutdown() }
                let r = await engine.fetch(FetchRequest(url: file))
                guard case .fetched(let body) = r.outcome else {
                    Diagnostics.print("\(file): \(r.error.map { "\($0)" } ?? "no OPML document")")
                    throw ExitCode(1)
                }
                bytes = body
            } catch let e as ExitCode {
                throw e
            } catch {
                Diagnostics.print("\(error)")
                throw ExitCode(1)
            }
        } else {
            do {
                try InputFile(path: file).read { bytes.append(contentsOf: $0) }
            } catch {
                Diagnostics.print("\(error)")
                throw ExitCode(1)
            }
        }
        let feeds: [OPMLFeed]
        do {
            feeds = try OPML.parse(bytes)
        } catch {
            Diagnostics.print("\(file): \(error)")
            throw ExitCode(1)
        }
        let existing: Set<String>
        if let c = try? Config.load(path: config) {
            existing = Set(c.feeds.map(\.url))
        } else if append {
            Diagnostics.print("\(config): cannot read the configuration to append to")
            throw ExitCode(1)
        } else {
            existing = []
        }
        var toml = ""
        var added = 0
        var seen = Set<String>()
        for f in feeds where !existing.contains(f.xmlURL) && seen.insert(f.xmlURL).inserted {
            toml += "\n[[feed]]\nurl = \(Self.quote(f.xmlURL))\n"
            if let t = f.title { toml += "name = \(Self.quote(t))\n" }
            if !f.tags.isEmpty { toml += "tags = [" + f.tags.map(Self.quote).joined(separator: ", ") + "]\n" }
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

    /// A TOML basic string.
    static func quote(_ s: String) -> String {
        var o = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\t": o += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    let hex = String(ch.value, radix: 16, uppercase: true)
                    o += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    o.unicodeScalars.append(ch)
                }
            }
        }
        return o + "\""
    }
}

struct ExportOPMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-opml",
        abstract: "Print the configured feeds as an OPML 2.0 subscription list (nested by tags).")

    @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = Config.defaultPath

    func run() throws {
        let c: Config
        do { c = try Config.load(path: config) } catch {
            Diagnostics.print("\(error)")
            throw ExitCode(2)
        }
        print(OPML.write(c.feeds.map { OPMLFeed(xmlURL: $0.url, title: $0.name, tags: $0.tags) }), terminator: "")
    }
}

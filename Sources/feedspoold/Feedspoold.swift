import ArgumentParser
import FeedConfig
import FeedCore
import FeedIngest

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Feedspoold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedspoold",
        abstract: "The feedspool daemon: feeds in, a de-duplicated spool of articles out.",
        discussion: """
            --once fetches every configured feed once (conditionally, within the configured \
            limits), delivers each new article into the spool exactly once, prints one line \
            per feed (OK, 304 or FAIL (FETCH|PARSE|SPOOL) with the reason) and exits 0 when \
            every feed succeeded, 1 otherwise: the cron-style mode.
            """,
        version: FeedspoolVersion.string)

    @Flag(help: "Poll every feed once, then exit.")
    var once = false

    @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String = Config.defaultPath

    func run() async throws {
        guard once else {
            // The long-running service (scheduler, control socket, systemd) is issue #5;
            // until it lands, say so rather than pretend.
            printErr("feedspoold: only --once is available in this version; run it from cron or a systemd timer")
            throw ExitCode(2)
        }
        let cfg: Config
        do {
            cfg = try Config.load(path: config)
        } catch {
            printErr("feedspoold: \(error)")
            throw ExitCode(2)
        }
        let site: IngestSite
        do {
            site = try IngestSite(config: cfg)
        } catch {
            printErr("feedspoold: \(error)")
            throw ExitCode(1)
        }
        let ok = await OnceRun.run(site) { line in
            var l = line + "\n"
            l.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        }
        if !ok { throw ExitCode(1) }
    }
}

func printErr(_ s: String) {
    var l = s + "\n"
    l.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

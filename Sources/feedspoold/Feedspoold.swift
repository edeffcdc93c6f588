import ArgumentParser
import CSystemShims
import FeedConfig
import FeedCore
import FeedDaemon
import FeedIngest
import Logging

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Feedspoold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedspoold",
        abstract: "The feedspool daemon: feeds in, a de-duplicated spool of articles out.",
        discussion: """
            Without options it runs as a service: polls every configured feed on its schedule, \
            delivers new articles into the spool exactly once, answers on the control socket \
            (feedspool status, feeds, tail -f, poll, reload) and talks to systemd (Type=notify). \
            SIGHUP re-reads the configuration; SIGTERM stops after the polls in flight.

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

    @Flag(help: "Check the configuration file and exit: 0 when valid, 1 with the problem (file, line, fix).")
    var checkConfig = false

    @Flag(name: .shortAndLong, help: "Log debug messages too.")
    var verbose = false

    func run() async throws {
        if checkConfig {
            do {
                let c = try Config.load(path: config)
                print("\(c.path): configuration ok: \(c.feeds.count) feed\(c.feeds.count == 1 ? "" : "s"), spool \(c.spoolDir), state \(c.stateDir), socket \(c.socket)")
                return
            } catch {
                printErr("feedspoold: \(error)")
                throw ExitCode(1)
            }
        }
        guard once else {
            // Signals first. A stop request is recorded from now on and honoured once the
            // services run; a reload request before then is moot (the file is being read).
            fs_install_stop_handler()
            fs_tune_malloc()
            signal(SIGHUP, SIG_IGN)
            signal(SIGPIPE, SIG_IGN)
            let level: Logger.Level = verbose ? .debug : .info
            LoggingSystem.bootstrap { StderrLogHandler(label: $0, level: level) }
            let logger = Logger(label: "feedspoold")
            var env: [String: String] = [:]
            for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
                if let v = getenv(name) { env[name] = String(cString: v) }
            }
            do {
                try await Daemon.run(configPath: config, logger: logger, environment: env)
            } catch {
                logger.critical("cannot run: \(error)")
                if case .config = error { throw ExitCode(2) }
                throw ExitCode(1)
            }
            return
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

import CSystemShims
import FeedConfig
import FeedCore
import FeedDaemon
import FeedIngest
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's command line, read by hand: swift-argument-parser would load Foundation's
/// essentials into a process that must stay small (about 2 MB of resident memory for five
/// options).
struct DaemonArguments {
    var once = false
    var config = Config.defaultPath
    var checkConfig = false
    var verbose = false

    static let usage = """
        usage: feedspoold [--config FILE] [--once | --check-config [FILE]] [-v]

        The feedspool daemon: feeds in, a de-duplicated spool of articles out.

        Without options it runs as a service: polls every configured feed on its schedule,
        delivers new articles into the spool exactly once, answers on the control socket
        (feedspool status, feeds, tail -f, poll, reload) and talks to systemd (Type=notify).
        SIGHUP re-reads the configuration; SIGTERM stops after the polls in flight.

        options:
          --config FILE    the configuration file (default: \(Config.defaultPath))
          --once           poll every feed once, deliver, print one line per feed (OK, 304 or
                           FAIL (FETCH|PARSE|SPOOL) with the reason) and exit: 0 when every
                           feed succeeded, 1 otherwise — the cron-style mode
          --check-config [FILE]
                           check the configuration (FILE, or --config's) and exit: 0 when
                           valid, 1 with every problem, one per line (file, line, fix)
          -v, --verbose    log debug messages too
          -h, --help       show this help
          --version        show the version
        """

    enum Outcome {
        case run(DaemonArguments)
        case exit(code: Int32, stdout: String?, stderr: String?)
    }

    static func parse(_ args: [String]) -> Outcome {
        var parsed = DaemonArguments()
        var position = 0
        func usageError(_ message: String) -> Outcome {
            .exit(code: 64, stdout: nil, stderr: "feedspoold: \(message)\nusage: feedspoold [--config FILE] [--once | --check-config [FILE]] [-v] (see --help)")
        }
        while position < args.count {
            let arg = args[position]
            position += 1
            switch arg {
            case "--once": parsed.once = true
            case "--check-config":
                parsed.checkConfig = true
                // `--check-config FILE`, like `nginx -t -c FILE` in one word.
                if position < args.count, !args[position].hasPrefix("-") {
                    parsed.config = args[position]
                    position += 1
                }
            case "-v", "--verbose": parsed.verbose = true
            case "-h", "--help": return .exit(code: 0, stdout: usage, stderr: nil)
            case "--version": return .exit(code: 0, stdout: FeedspoolVersion.string, stderr: nil)
            case "--config":
                guard position < args.count, !args[position].isEmpty else { return usageError("--config needs a file") }
                parsed.config = args[position]
                position += 1
            default:
                if arg.hasPrefix("--config=") {
                    parsed.config = String(arg.dropFirst("--config=".count))
                    guard !parsed.config.isEmpty else { return usageError("--config needs a file") }
                } else if arg.hasPrefix("-") {
                    return usageError("unknown option '\(arg)'")
                } else {
                    return usageError("unexpected argument '\(arg)'")
                }
            }
        }
        if parsed.once && parsed.checkConfig { return usageError("--once and --check-config cannot be combined") }
        return .run(parsed)
    }
}

@main
enum Feedspoold {
    static func main() async {
        switch DaemonArguments.parse(Array(CommandLine.arguments.dropFirst())) {
        case .exit(let code, let out, let err):
            if let out { printOut(out) }
            if let err { printErr(err) }
            exit(code)
        case .run(let arguments):
            exit(await run(arguments))
        }
    }

    static func run(_ arguments: DaemonArguments) async -> Int32 {
        let once = arguments.once, config = arguments.config, checkConfig = arguments.checkConfig, verbose = arguments.verbose
        if checkConfig {
            do {
                let loaded = try Config.load(path: config)
                printOut("\(loaded.path): configuration ok: \(loaded.feeds.count) feed\(loaded.feeds.count == 1 ? "" : "s"), spool \(loaded.spoolDir), state \(loaded.stateDir), socket \(loaded.socket)")
                return 0
            } catch {
                // Every problem on a line of its own, then how many (like a compiler).
                let all = error.all
                for problem in all { printErr("feedspoold: \(problem)") }
                printErr("feedspoold: \(all.count) problem\(all.count == 1 ? "" : "s") in \(error.file)")
                return 1
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
                if let value = getenv(name) { env[name] = String(cString: value) }
            }
            do {
                try await Daemon.run(configPath: config, logger: logger, environment: env)
            } catch {
                logger.critical("cannot run: \(error)")
                if case .config = error { return 2 }
                return 1
            }
            return 0
        }
        let cfg: Config
        do {
            cfg = try Config.load(path: config)
        } catch {
            printErr("feedspoold: \(error)")
            return 2
        }
        let site: IngestSite
        do {
            site = try IngestSite(config: cfg)
        } catch {
            printErr("feedspoold: \(error)")
            return 1
        }
        let ok = await OnceRun.run(site) { line in
            var output = line + "\n"
            output.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        }
        return ok ? 0 : 1
    }
}

func printOut(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
}

func printErr(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

import CSystemShims
import FeedConfig
import FeedCore
import FeedIngest
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps systemd informed: `STATUS=` while running, `WATCHDOG=1` only while the poll loop
/// makes progress, `STOPPING=1` when shutdown starts.
struct NotifierService: Service {
    let notifier: SystemdNotifier
    let board: StatusBoard
    let clock: @Sendable () -> Int64

    func run() async throws {
        let interval = notifier.watchdogInterval.map { min($0, .seconds(10)) } ?? .seconds(10)
        // The loop counts as stuck when it has not moved for this long: longer than any one
        // poll can take (the fetch timeouts), shorter than systemd's patience.
        let stuckAfter = max(Int64(60), Int64((notifier.watchdogInterval ?? .seconds(30)).components.seconds * 2))
        var lastStatus = ""
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let now = clock()
                let status = StatusBoard.statusLine(board.snapshot, now: now)
                var message: [String] = []
                if status != lastStatus { message.append("STATUS=" + status); lastStatus = status }
                if notifier.watchdogInterval != nil && board.secondsSinceProgress(now: now) < stuckAfter { message.append("WATCHDOG=1") }
                if !message.isEmpty { notifier.notify(message.joined(separator: "\n")) }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1\nSTATUS=stopping: finishing the polls in flight")
        }
    }
}

/// SIGTERM/SIGINT: recorded by a plain signal handler installed first thing in `main`
/// (a stop requested while the state opens is not lost), watched here; returning makes the
/// group shut down gracefully.
struct StopSignalService: Service {
    func run() async throws {
        while fs_stop_requested() == 0 && !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(100)) }
        }
    }
}

/// SIGHUP: re-read the configuration, telling systemd `RELOADING=1` then `READY=1`.
struct HangupService: Service {
    let inbox: PollerInbox
    let notifier: SystemdNotifier
    let board: StatusBoard
    let clock: @Sendable () -> Int64

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)")
            inbox.send(.reload(reply: { [notifier, board, clock] _ in
                notifier.notify("READY=1\nSTATUS=" + StatusBoard.statusLine(board.snapshot, now: clock()))
            }))
        }
    }
}

/// `feedspoold`: the state opened, the control socket listening, then the poller, the
/// systemd notifier and the signal watchers as one service group. SIGTERM/SIGINT shut it
/// down gracefully (in-flight polls finish within `Poller.shutdownGrace`); exit 0. The
/// caller installs `fs_install_stop_handler()` before anything else.
public enum Daemon {
    public enum Failure: Error, CustomStringConvertible {
        case config(ConfigError)
        case startup(String)

        public var description: String {
            switch self {
            case .config(let error): return "\(error)"
            case .startup(let message): return message
            }
        }
    }

    public static func run(configPath: String, logger: Logger, environment: [String: String]) async throws(Failure) {
        raiseDescriptorLimit()
        let config: Config
        do { config = try Config.load(path: configPath) } catch { throw .config(error) }
        let clock: @Sendable () -> Int64 = { Int64(time(nil)) }
        let site: IngestSite
        do { site = try IngestSite(config: config, clock: clock) } catch { throw .startup("\(error)") }
        let board = StatusBoard(started: clock(), configPath: config.path, spoolDir: config.spoolDir)
        let inbox = PollerInbox()
        let handler = DaemonHandler(board: board, inbox: inbox, clock: clock)
        let server = try ControlSocket(config: config, handler: handler)
        defer { server.stop() }
        handler.subscriberCount.withLock { $0 = { server.subscriberCount } }
        let poller: Poller
        do {
            poller = try Poller(
                configPath: configPath, config: config, site: site, inbox: inbox, board: board, logger: logger, clock: clock,
                afterReload: { fresh in
                    guard let problem = server.follow(fresh) else { return }
                    logger.error("\(problem)")
                },
                wantsEvents: { server.subscriberCount > 0 }
            ) { server.broadcast($0) }
        } catch {
            throw .startup("\(error)")
        }
        let notifier = SystemdNotifier(environment: environment)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: poller, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: HangupService(inbox: inbox, notifier: notifier, board: board, clock: clock)),
                .init(service: NotifierService(notifier: notifier, board: board, clock: clock)),
                .init(service: StopSignalService(), successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            logger: logger))
        logger.notice("feedspoold \(FeedspoolVersion.string) started: \(config.feeds.count) feeds, spool \(config.spoolDir), socket \(config.socket)")
        notifier.notify("READY=1\nSTATUS=" + StatusBoard.statusLine(board.snapshot, now: clock()))
        do {
            try await group.run()
        } catch {
            throw .startup("\(error)")
        }
        logger.notice("feedspoold stopped")
    }
}

/// Lifts the soft limit on open files to the hard one (at most 65,536): control clients,
/// transfers and the state database all hold descriptors, and the soft default (1,024)
/// is lower than the control socket's own client limit.
func raiseDescriptorLimit() {
    var limit = rlimit()
    guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else { return }
    let wanted = min(limit.rlim_max, 65_536)
    if limit.rlim_cur < wanted {
        limit.rlim_cur = wanted
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }
}

#if canImport(Glibc)
    private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#endif

import FeedConfig
import FeedCore

/// Work asked of the poller from other threads (the control socket, signals).
public final class PollerInbox: Sendable {
    public enum Command: Sendable {
        /// Poll these feeds (by URL; all when empty) now, reviving retired ones.
        case poll([String])
        /// Re-read the configuration; `reply` gets the outcome.
        case reload(reply: (@Sendable (Result<String, ConfigError>) -> Void)?)
    }

    private let state = Locked<(commands: [Command], stopping: Bool)>(([], false))

    public init() {}

    public func send(_ command: Command) { state.withLock { $0.commands.append(command) } }
    public func stop() { state.withLock { $0.stopping = true } }
    public var isStopping: Bool { state.withLock { $0.stopping } }

    func take() -> [Command] {
        state.withLock { inbox in
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
    }
}

import FeedConfig
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket as configured, following reloads: a new `socket` path gets a new
/// server (the old one finishes what it was answering — the reply to the `reload` that
/// moved it among them — then stops and removes its file); a new mode or group is applied
/// to the socket file in place.
final class ControlSocket: Sendable {
    private let handler: any ControlHandler
    private let current: Locked<(server: ControlServer, options: ControlServer.Options)>

    /// How long a replaced server keeps serving: enough to write the replies it holds.
    static let handOver: Duration = .seconds(1)

    init(config: Config, handler: any ControlHandler) throws(Daemon.Failure) {
        self.handler = handler
        let options = try Self.options(config)
        do {
            current = Locked((try ControlServer(options: options, handler: handler), options))
        } catch {
            throw .startup("\(error)")
        }
    }

    /// The socket's settings in `config`; creates the directory that holds it.
    static func options(_ config: Config) throws(Daemon.Failure) -> ControlServer.Options {
        var options = ControlServer.Options(path: config.socket)
        options.mode = config.socketMode
        if let name = config.socketGroup {
            guard let group = getgrnam(name) else { throw .startup("\(config.path): socket_group \(name) does not exist") }
            options.group = group.pointee.gr_gid
        }
        if let slash = config.socket.lastIndex(of: "/"), slash != config.socket.startIndex {
            mkdir(String(config.socket[..<slash]), 0o755)
        }
        return options
    }

    var path: String { current.withLock { $0.options.path } }
    var subscriberCount: Int { current.withLock { $0.server }.subscriberCount }
    func broadcast(_ line: String) { current.withLock { $0.server }.broadcast(line) }
    func stop() { current.withLock { $0.server }.stop() }

    /// Moves the socket to what `config` says. Nil when done; else why it stays where it is.
    func follow(_ config: Config) -> String? {
        let wanted: ControlServer.Options
        do { wanted = try Self.options(config) } catch { return "\(error)" }
        let (old, had) = current.withLock { ($0.server, $0.options) }
        if wanted.path == had.path {
            chmod(wanted.path, mode_t(wanted.mode))
            if let group = wanted.group, chown(wanted.path, uid_t(bitPattern: -1), gid_t(group)) != 0 {
                return "\(wanted.path): cannot give the socket to group \(group): \(String(cString: strerror(errno)))"
            }
            current.withLock { $0.options = wanted }
            return nil
        }
        let fresh: ControlServer
        do { fresh = try ControlServer(options: wanted, handler: handler) } catch { return "\(error); the control socket stays at \(had.path)" }
        current.withLock { $0 = (fresh, wanted) }
        Task.detached {
            try? await Task.sleep(for: Self.handOver)
            old.stop()
        }
        return nil
    }
}

import CSystemShims
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who is on the other end of a control connection (`SO_PEERCRED`).
public struct PeerCredentials: Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
}

/// Answers control requests. `reply` must be called exactly once, from any thread.
public protocol ControlHandler: Sendable {
    func handle(_ request: ControlProtocol.Request, reply: @escaping @Sendable (String) -> Void)
}

/// The control socket: a Unix stream socket served by one thread with `poll(2)`, so a
/// thousand idle or slow clients cost a thousand file descriptors, not threads.
///
/// Per client: requests are lines of at most 64 KiB (a longer one is answered with an
/// error and the connection closed); a client that sends nothing for `idleSeconds` is told
/// so and closed; subscribers get events through a bounded buffer — when a subscriber
/// reads too slowly its events are dropped (and it is told how many), never queued without
/// limit and never slowing the daemon.
public final class ControlServer: Sendable {
    public struct Options: Sendable {
        public var path: String
        public var mode: UInt32 = 0o660
        /// Members of this group (and root, and the daemon's own user) may connect.
        public var group: UInt32?
        public var idleSeconds = 60
        public var maxClients = 2048
        /// Bytes of events buffered for one subscriber before events are dropped.
        public var subscriberBuffer = 1 << 20

        public init(path: String) { self.path = path }
    }

    struct Shared {
        var replies: [(client: Int, line: String)] = []
        var broadcasts: [String] = []
        var stopping = false
        var subscribers = 0
    }

    let options: Options
    let handler: any ControlHandler
    let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// What other threads hand to the serving thread (replies, events, the stop).
    let shared = Locked(Shared())
    private let thread = Locked<pthread_t?>(nil)

    /// Binds and listens (replacing a stale socket file), then serves on its own thread.
    public init(options: Options, handler: any ControlHandler) throws(ControlServerError) {
        self.options = options
        self.handler = handler
        var fds: [Int32] = [0, 0]
        guard fs_pipe_nonblocking(&fds) == 0 else { throw ControlServerError("pipe: \(String(cString: strerror(errno)))") }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        listener = try Self.listen(options)
        let box = Unmanaged.passRetained(self).toOpaque()
        var serving = pthread_t()
        guard pthread_create(&serving, nil, { arg in
            let server = Unmanaged<ControlServer>.fromOpaque(arg!).takeRetainedValue()
            server.serve()
            return nil
        }, box) == 0 else {
            Unmanaged<ControlServer>.fromOpaque(box).release()
            throw ControlServerError("cannot start the control thread")
        }
        thread.withLock { $0 = serving }
    }

    /// Stops serving, closes every connection and removes the socket file.
    public func stop() {
        let already = shared.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        if !already { wake() }
        if let serving = thread.withLock({ held -> pthread_t? in defer { held = nil }; return held }) { pthread_join(serving, nil) }
    }

    /// Sends an event line to every subscriber.
    public func broadcast(_ line: String) {
        let any = shared.withLock { state -> Bool in
            guard state.subscribers > 0 else { return false }
            state.broadcasts.append(line)
            return true
        }
        if any { wake() }
    }

    public var subscriberCount: Int { shared.withLock { $0.subscribers } }

    /// Makes the serving thread's `poll` return, to take what `shared` holds.
    func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: The serving thread

    private func serve() {
        var reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var clients: [Int: Client] = [:]
        var nextID = 1
        var drain = [UInt8](repeating: 0, count: 64)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let now = monotonicSeconds()
            let (replies, broadcasts, stopping) = shared.withLock { state -> ([(client: Int, line: String)], [String], Bool) in
                defer { state.replies.removeAll(); state.broadcasts.removeAll() }
                return (state.replies, state.broadcasts, state.stopping)
            }
            if stopping { break }
            queueOutput(replies, broadcasts, clients, now: now)

            var pfds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let order = Array(clients.keys)
            for id in order {
                let client = clients[id]!
                let wanted = client.unsent > 0 ? Int16(POLLIN) | Int16(POLLOUT) : Int16(POLLIN)
                pfds.append(pollfd(fd: client.fd, events: wanted, revents: 0))
            }
            if poll(&pfds, nfds_t(pfds.count), 1000) < 0 && errno != EINTR { break }
            if pfds[1].revents != 0 { while read(wakeRead, &drain, drain.count) > 0 {} }
            if pfds[0].revents & Int16(POLLIN) != 0 {
                acceptAll(&clients, &nextID, now, reserve: &reserve)
            }
            for (index, id) in order.enumerated() {
                guard let client = clients[id] else { continue }
                if serviceClient(client, pfds[index + 2].revents, now: now, chunk: &chunk) { drop(client, &clients) }
            }
        }
        for client in clients.values { drop(client, &clients) }
        close(listener)
        unlink(options.path)
        close(wakeRead)
        close(wakeWrite)
        if reserve >= 0 { close(reserve) }
    }

    /// Queues what the daemon answered and broadcast since the last turn (a subscriber too
    /// slow to keep up loses lines, and is told how many), and tells idle clients why they
    /// are closed.
    private func queueOutput(_ replies: [(client: Int, line: String)], _ broadcasts: [String], _ clients: [Int: Client], now: Int64) {
        for reply in replies {
            guard let client = clients[reply.client] else { continue }
            client.queue(reply.line)
            client.pending -= 1
            client.lastActivity = now
        }
        for line in broadcasts {
            for client in clients.values where client.subscriber {
                if client.unsent + line.utf8.count > options.subscriberBuffer {
                    client.dropped += 1
                } else {
                    if client.dropped > 0 {
                        client.queue("{\"v\":\(ControlProtocol.version),\"event\":\"dropped\",\"count\":\(client.dropped)}")
                        client.dropped = 0
                    }
                    client.queue(line)
                }
            }
        }
        // Idle clients: told why, then closed.
        for client in clients.values where !client.subscriber && client.pending == 0 && !client.closeWhenFlushed
            && now - client.lastActivity > Int64(options.idleSeconds)
        {
            client.queue(ControlProtocol.failure("idle", "closed after \(options.idleSeconds) s without a request"))
            client.closeWhenFlushed = true
        }
    }

    private func drop(_ client: Client, _ clients: inout [Int: Client]) {
        close(client.fd)
        clients[client.id] = nil
        if client.subscriber { shared.withLock { $0.subscribers -= 1 } }
    }
}

public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

func monotonicSeconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec)
}

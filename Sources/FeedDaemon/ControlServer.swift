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

    private struct Shared {
        var replies: [(client: Int, line: String)] = []
        var broadcasts: [String] = []
        var stopping = false
        var subscribers = 0
    }

    let options: Options
    private let handler: any ControlHandler
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let shared = Locked(Shared())
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
        var t = pthread_t()
        guard pthread_create(&t, nil, { arg in
            let server = Unmanaged<ControlServer>.fromOpaque(arg!).takeRetainedValue()
            server.serve()
            return nil
        }, box) == 0 else {
            Unmanaged<ControlServer>.fromOpaque(box).release()
            throw ControlServerError("cannot start the control thread")
        }
        thread.withLock { $0 = t }
    }

    /// Stops serving, closes every connection and removes the socket file.
    public func stop() {
        let already = shared.withLock { s -> Bool in
            defer { s.stopping = true }
            return s.stopping
        }
        if !already { wake() }
        if let t = thread.withLock({ t -> pthread_t? in defer { t = nil }; return t }) { pthread_join(t, nil) }
    }

    /// Sends an event line to every subscriber.
    public func broadcast(_ line: String) {
        let any = shared.withLock { s -> Bool in
            guard s.subscribers > 0 else { return false }
            s.broadcasts.append(line)
            return true
        }
        if any { wake() }
    }

    public var subscriberCount: Int { shared.withLock { $0.subscribers } }

    private func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    // MARK: The serving thread

    private final class Client {
        let id: Int
        let fd: Int32
        var input: [UInt8] = []
        var output: [UInt8] = []
        var outputOffset = 0
        var lastActivity: Int64
        var pending = 0
        var subscriber = false
        var dropped = 0
        var closeWhenFlushed = false

        init(id: Int, fd: Int32, now: Int64) {
            self.id = id
            self.fd = fd
            self.lastActivity = now
        }

        var unsent: Int { output.count - outputOffset }

        func queue(_ line: String) {
            output.append(contentsOf: line.utf8)
            output.append(0x0A)
        }
    }

    private func serve() {
        var reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var clients: [Int: Client] = [:]
        var nextID = 1
        var drain = [UInt8](repeating: 0, count: 64)
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let now = monotonicSeconds()
            let (replies, broadcasts, stopping) = shared.withLock { s -> ([(client: Int, line: String)], [String], Bool) in
                defer { s.replies.removeAll(); s.broadcasts.removeAll() }
                return (s.replies, s.broadcasts, s.stopping)
            }
            if stopping { break }
            queueOutput(replies, broadcasts, clients, now: now)

            var pfds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let order = Array(clients.keys)
            for id in order {
                let c = clients[id]!
                var ev = Int16(POLLIN)
                if c.unsent > 0 { ev |= Int16(POLLOUT) }
                pfds.append(pollfd(fd: c.fd, events: ev, revents: 0))
            }
            let n = poll(&pfds, nfds_t(pfds.count), 1000)
            if n < 0 && errno != EINTR { break }
            if pfds[1].revents != 0 { while read(wakeRead, &drain, drain.count) > 0 {} }
            if pfds[0].revents & Int16(POLLIN) != 0 {
                acceptAll(&clients, &nextID, now, reserve: &reserve)
            }
            for (k, id) in order.enumerated() {
                guard let c = clients[id] else { continue }
                if serviceClient(c, pfds[k + 2].revents, now: now, chunk: &chunk) { drop(c, &clients) }
            }
        }
        for c in clients.values { drop(c, &clients) }
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
        for r in replies {
            guard let c = clients[r.client] else { continue }
            c.queue(r.line)
            c.pending -= 1
            c.lastActivity = now
        }
        for line in broadcasts {
            for c in clients.values where c.subscriber {
                if c.unsent + line.utf8.count > options.subscriberBuffer {
                    c.dropped += 1
                } else {
                    if c.dropped > 0 {
                        c.queue("{\"v\":\(ControlProtocol.version),\"event\":\"dropped\",\"count\":\(c.dropped)}")
                        c.dropped = 0
                    }
                    c.queue(line)
                }
            }
        }
        // Idle clients: told why, then closed.
        for c in clients.values where !c.subscriber && c.pending == 0 && !c.closeWhenFlushed && now - c.lastActivity > Int64(options.idleSeconds) {
            c.queue(ControlProtocol.failure("idle", "closed after \(options.idleSeconds) s without a request"))
            c.closeWhenFlushed = true
        }
    }

    /// Reads and writes what `rev` (from poll) allows on `c`; true when it is to be closed.
    private func serviceClient(_ c: Client, _ rev: Int16, now: Int64, chunk: inout [UInt8]) -> Bool {
        var closeIt = false
        if rev & Int16(POLLIN) != 0 {
            let got = read(c.fd, &chunk, chunk.count)
            if got > 0 {
                c.lastActivity = now
                c.input.append(contentsOf: chunk[0..<got])
                closeIt = !takeRequests(c)
            } else if got == 0 || (errno != EAGAIN && errno != EINTR) {
                closeIt = true
            }
        } else if rev & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
            closeIt = true
        }
        if !closeIt && c.unsent > 0 && (rev & Int16(POLLOUT) != 0 || c.closeWhenFlushed) {
            let sent = c.output.withUnsafeBytes { send(c.fd, $0.baseAddress! + c.outputOffset, c.unsent, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                c.outputOffset += sent
                if c.outputOffset == c.output.count {
                    c.output.removeAll(keepingCapacity: c.output.capacity < 65536)
                    c.outputOffset = 0
                }
            } else if sent < 0 && errno != EAGAIN && errno != EINTR {
                closeIt = true
            }
        }
        if c.closeWhenFlushed && c.unsent == 0 { closeIt = true }
        return closeIt
    }

    /// Accepts every waiting client. At the client limit, or when the process is out of
    /// descriptors, the client idle the longest (no request pending, not subscribed) is
    /// closed to make room — so idle connections can never lock out the one asking for
    /// `status`. With none to close, the newcomer is told "busy". `reserve` is a descriptor
    /// held back for that answer when the process has no other (EMFILE): without it the
    /// listener would stay readable and the serving loop would spin.
    private func acceptAll(_ clients: inout [Int: Client], _ nextID: inout Int, _ now: Int64, reserve: inout Int32) {
        while true {
            var fd = fs_accept_nonblocking(listener)
            var refusal: String?
            if fd < 0 {
                guard errno == EMFILE || errno == ENFILE else { return }
                if evictIdlest(&clients, now: now) { continue }
                guard reserve >= 0 else { return }
                close(reserve)
                fd = fs_accept_nonblocking(listener)
                reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)
                if fd < 0 { return }
                refusal = ControlProtocol.failure("busy", "the daemon is out of file descriptors; try again")
            } else if clients.count >= maxClients && !evictIdlest(&clients, now: now) {
                refusal = ControlProtocol.failure("busy", "too many connections (\(maxClients))")
            } else if let peer = Self.peer(fd), !allowed(peer) {
                refusal = ControlProtocol.failure("forbidden", "uid \(peer.uid) may not use this socket (root, the daemon's user and the socket group may)")
            }
            if let refusal {
                Self.sayAndClose(fd, refusal)
                continue
            }
            clients[nextID] = Client(id: nextID, fd: fd, now: now)
            nextID += 1
        }
    }

    /// Closes the client idle the longest, telling it why; false when every client is busy.
    /// A candidate whose request is already waiting in its socket (sent, not yet read) is
    /// not idle: it is passed over.
    private func evictIdlest(_ clients: inout [Int: Client], now: Int64) -> Bool {
        for _ in 0..<16 {
            var victim: Client?
            for c in clients.values where !c.subscriber && c.pending == 0 && c.input.isEmpty && c.unsent == 0 {
                if victim == nil || c.lastActivity < victim!.lastActivity || (c.lastActivity == victim!.lastActivity && c.id < victim!.id) {
                    victim = c
                }
            }
            guard let victim else { return false }
            var byte: UInt8 = 0
            if recv(victim.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0 {
                victim.lastActivity = now + 1
                continue
            }
            clients[victim.id] = nil
            Self.sayAndClose(victim.fd, ControlProtocol.failure("idle", "closed to make room for another client"))
            return true
        }
        return false
    }

    private static func sayAndClose(_ fd: Int32, _ line: String) {
        var line = line + "\n"
        line.withUTF8 { _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        close(fd)
    }

    /// The most clients served at once: the configured limit, but at most half the
    /// descriptors the process may open (transfers and the database need the rest).
    private var maxClients: Int {
        var l = rlimit()
        #if canImport(Glibc)
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &l) == 0 else { return options.maxClients }
        #endif
        return max(8, min(options.maxClients, Int(clamping: l.rlim_cur / 2)))
    }

    /// Takes the complete lines out of a client's input; false when it must be closed.
    private func takeRequests(_ c: Client) -> Bool {
        while let nl = c.input.firstIndex(of: 0x0A) {
            var line = Array(c.input[..<nl])
            c.input.removeFirst(nl + 1)
            if line.last == 0x0D { line.removeLast() }
            if line.isEmpty { continue }
            guard line.count <= ControlProtocol.maxRequestBytes else {
                c.queue(ControlProtocol.failure("too-large", "a request may be at most \(ControlProtocol.maxRequestBytes) bytes"))
                c.closeWhenFlushed = true
                return true
            }
            dispatch(line, c)
        }
        if c.input.count > ControlProtocol.maxRequestBytes {
            c.input.removeAll()
            c.queue(ControlProtocol.failure("too-large", "a request may be at most \(ControlProtocol.maxRequestBytes) bytes"))
            c.closeWhenFlushed = true
        }
        return true
    }

    private func dispatch(_ line: [UInt8], _ c: Client) {
        let request: ControlProtocol.Request
        do {
            request = try ControlProtocol.decode(line)
        } catch {
            if case .malformed(let why) = error { c.queue(ControlProtocol.failure("bad-request", why)) }
            return
        }
        if request.cmd == "subscribe" {
            if !c.subscriber {
                c.subscriber = true
                shared.withLock { $0.subscribers += 1 }
            }
            c.queue(ControlProtocol.success("{\"subscribed\":true}"))
            return
        }
        c.pending += 1
        let id = c.id
        handler.handle(request) { [self] reply in
            shared.withLock { $0.replies.append((id, reply)) }
            wake()
        }
    }

    private func drop(_ c: Client, _ clients: inout [Int: Client]) {
        close(c.fd)
        clients[c.id] = nil
        if c.subscriber { shared.withLock { $0.subscribers -= 1 } }
    }
}

public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

func monotonicSeconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec)
}

import CSystemShims
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who gets a connection: every waiting client up to the limit, the idlest one closed to
/// make room, and a clear refusal for the rest.
extension ControlServer {
    /// Accepts every waiting client. At the client limit, or when the process is out of
    /// descriptors, the client idle the longest (no request pending, not subscribed) is
    /// closed to make room — so idle connections can never lock out the one asking for
    /// `status`. With none to close, the newcomer is told "busy". `reserve` is a descriptor
    /// held back for that answer when the process has no other (EMFILE): without it the
    /// listener would stay readable and the serving loop would spin.
    func acceptAll(_ clients: inout [Int: Client], _ nextID: inout Int, _ now: Int64, reserve: inout Int32) {
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
            for client in clients.values where client.isIdle {
                if let chosen = victim, (chosen.lastActivity, chosen.id) < (client.lastActivity, client.id) { continue }
                victim = client
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
        var limit = rlimit()
        #if canImport(Glibc)
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return options.maxClients }
        #endif
        return max(8, min(options.maxClients, Int(clamping: limit.rlim_cur / 2)))
    }
}

extension ControlServer.Client {
    /// Nothing asked, nothing to send, not subscribed: a client that may be closed to make
    /// room without losing anything.
    var isIdle: Bool { !subscriber && pending == 0 && input.isEmpty && unsent == 0 }
}

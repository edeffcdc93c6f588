import CSystemShims
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's file: made with the configured mode and group, never over a
/// socket another daemon still listens on.
extension ControlServer {
    static func listen(_ o: Options) throws(ControlServerError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw ControlServerError("socket: \(String(cString: strerror(errno)))") }
        guard let addr = UnixAddress(o.path) else {
            close(fd)
            throw ControlServerError("\(o.path): the socket path is too long (at most 107 bytes)")
        }
        func bindNow() -> Int32 { addr.withSockaddr { bind(fd, $0, $1) } }
        if bindNow() != 0 {
            guard errno == EADDRINUSE else {
                let e = errno
                close(fd)
                throw ControlServerError("\(o.path): cannot bind the control socket: \(String(cString: strerror(e)))")
            }
            // A socket file is there: another daemon listening, or one that died.
            if Self.isListening(o.path) {
                close(fd)
                throw ControlServerError("\(o.path): another feedspoold is already listening there")
            }
            unlink(o.path)
            guard bindNow() == 0 else {
                let e = errno
                close(fd)
                throw ControlServerError("\(o.path): cannot bind the control socket: \(String(cString: strerror(e)))")
            }
        }
        chmod(o.path, mode_t(o.mode))
        if let g = o.group, chown(o.path, uid_t(bitPattern: -1), gid_t(g)) != 0 {
            let e = errno
            close(fd)
            unlink(o.path)
            throw ControlServerError("\(o.path): cannot give the socket to group \(g): \(String(cString: strerror(e)))")
        }
        guard Glibc.listen(fd, 128) == 0 else {
            let e = errno
            close(fd)
            throw ControlServerError("\(o.path): listen: \(String(cString: strerror(e)))")
        }
        return fd
    }

    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard let addr = UnixAddress(path) else { return false }
        return addr.withSockaddr { connect(fd, $0, $1) } == 0
    }
}

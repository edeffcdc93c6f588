import CSystemShims
import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket's file: made with the configured mode and group, never over a
/// socket another daemon still listens on.
extension ControlServer {
    static func listen(_ options: Options) throws(ControlServerError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw ControlServerError("socket: \(String(cString: strerror(errno)))") }
        guard let addr = UnixAddress(options.path) else {
            close(fd)
            throw ControlServerError("\(options.path): the socket path is too long (at most 107 bytes)")
        }
        func bindNow() -> Int32 { addr.withSockaddr { bind(fd, $0, $1) } }
        if bindNow() != 0 {
            guard errno == EADDRINUSE else {
                let code = errno
                close(fd)
                throw ControlServerError("\(options.path): cannot bind the control socket: \(String(cString: strerror(code)))")
            }
            // A socket file is there: another daemon listening, or one that died.
            if Self.isListening(options.path) {
                close(fd)
                throw ControlServerError("\(options.path): another feedspoold is already listening there")
            }
            unlink(options.path)
            guard bindNow() == 0 else {
                let code = errno
                close(fd)
                throw ControlServerError("\(options.path): cannot bind the control socket: \(String(cString: strerror(code)))")
            }
        }
        chmod(options.path, mode_t(options.mode))
        if let group = options.group, chown(options.path, uid_t(bitPattern: -1), gid_t(group)) != 0 {
            let code = errno
            close(fd)
            unlink(options.path)
            throw ControlServerError("\(options.path): cannot give the socket to group \(group): \(String(cString: strerror(code)))")
        }
        guard Glibc.listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw ControlServerError("\(options.path): listen: \(String(cString: strerror(code)))")
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

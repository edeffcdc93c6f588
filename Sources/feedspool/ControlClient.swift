import FeedCore
import ArgumentParser
import FeedConfig
import Foundation

/// Where the daemon listens: `--socket`, else the configuration's `socket`, else the default.
struct DaemonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The daemon's control socket.", valueName: "path"))
    var socket: String?

    @Option(help: ArgumentHelp("The daemon's configuration file (for its socket and spool).", valueName: "file"))
    var config: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func loadConfig() -> Config? {
        if let config { return try? Config.load(path: config) }
        return try? Config.load(path: Config.defaultPath)
    }

    var socketPath: String {
        if let socket { return socket }
        return loadConfig()?.socket ?? "/run/feedspool/feedspool.sock"
    }

    /// One request on a connection of its own; the `result` of a successful answer.
    func request(_ cmd: String, extra: [String: Any] = [:]) throws(ClientError) -> Any {
        try ControlClient(path: socketPath).request(cmd, extra: extra)
    }
}

/// Exit statuses scripts can rely on.
enum ClientExit {
    /// The daemon answered with an error (or the command failed).
    static let failed: Int32 = 1
    /// No daemon answers on the socket.
    static let unreachable: Int32 = 3
}

/// One connection to the control socket: request lines out, response lines in.
final class ControlClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    let path: String

    init(path: String) throws(ClientError) {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ClientError.unreachable(path, "socket: \(String(cString: strerror(errno)))") }
        guard let address = UnixAddress(path) else {
            close(fd)
            throw ClientError.unreachable(path, "the socket path is too long")
        }
        let rc = address.withSockaddr { connect(fd, $0, $1) }
        guard rc == 0 else {
            let e = errno
            close(fd)
            let hint = e == ENOENT || e == ECONNREFUSED ? " (is feedspoold running? --socket or --config name another socket)" : ""
            throw ClientError.unreachable(path, String(cString: strerror(e)) + hint)
        }
    }

    deinit { close(fd) }

    func send(_ line: String) throws(ClientError) {
        var l = line + "\n"
        var failed = false
        l.withUTF8 { p in
            var off = 0
            while off < p.count {
                let n = Glibc.send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
                if n <= 0 { failed = true; return }
                off += n
            }
        }
        if failed { throw ClientError.unreachable(path, "the daemon closed the connection") }
    }

    /// The next line from the daemon; nil at end of stream.
    func readLine() -> String? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeFirst(nl + 1)
                return line
            }
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Sends a request and returns the `result` of a successful response.
    func request(_ cmd: String, extra: [String: Any] = [:]) throws(ClientError) -> Any {
        var obj: [String: Any] = ["v": 1, "cmd": cmd]
        for (k, v) in extra { obj[k] = v }
        guard let data = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]) else {
            throw ClientError.failed("cannot encode the request")
        }
        do {
            try send(String(decoding: data, as: UTF8.self))
        } catch {
            // The daemon may have refused the connection with a line saying why, then closed it.
            if let line = readLine() { _ = try Self.result(of: line) }
            throw error
        }
        guard let line = readLine() else { throw ClientError.unreachable(path, "the daemon closed the connection") }
        return try Self.result(of: line)
    }

    static func result(of line: String) throws(ClientError) -> Any {
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw ClientError.failed("the daemon's answer is not JSON: \(line.prefix(200))")
        }
        if obj["ok"] as? Bool == true { return obj["result"] ?? NSNull() }
        let e = obj["error"] as? [String: Any]
        throw ClientError.failed("\(e?["message"] as? String ?? "the daemon refused") (\(e?["code"] as? String ?? "error"))")
    }
}

enum ClientError: Error, CustomStringConvertible {
    case unreachable(String, String)
    case failed(String)

    var description: String {
        switch self {
        case .unreachable(let path, let why): return "cannot reach feedspoold at \(path): \(why)"
        case .failed(let m): return m
        }
    }

    var exitCode: ExitCode {
        switch self {
        case .unreachable: return ExitCode(ClientExit.unreachable)
        case .failed: return ExitCode(ClientExit.failed)
        }
    }
}

/// Runs a client command body, turning its errors into a message and the documented status.
func clientRun(_ body: () throws(ClientError) -> Void) throws {
    do {
        try body()
    } catch {
        Diagnostics.print("\(error)")
        throw error.exitCode
    }
}

/// JSON text of a value, one line.
func jsonLine(_ v: Any) -> String {
    guard JSONSerialization.isValidJSONObject(v) || v is String || v is NSNumber,
        let d = try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
    else { return "null" }
    return String(decoding: d, as: UTF8.self)
}

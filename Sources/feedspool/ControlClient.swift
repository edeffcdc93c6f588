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
    func request(_ request: ControlProtocol.Request) throws(ClientError) -> JSONValue {
        try ControlClient(path: socketPath).request(request)
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
            let code = errno
            close(fd)
            let hint = code == ENOENT || code == ECONNREFUSED ? " (is feedspoold running? --socket or --config name another socket)" : ""
            throw ClientError.unreachable(path, String(cString: strerror(code)) + hint)
        }
    }

    deinit { close(fd) }

    func send(_ line: String) throws(ClientError) {
        var request = line + "\n"
        var failed = false
        request.withUTF8 { bytes in
            var off = 0
            while off < bytes.count {
                let sent = Glibc.send(fd, bytes.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL))
                if sent <= 0 { failed = true; return }
                off += sent
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
            let sent = read(fd, &chunk, chunk.count)
            if sent <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<sent])
        }
    }

    /// Sends a request and returns the `result` of a successful response.
    func request(_ request: ControlProtocol.Request) throws(ClientError) -> JSONValue {
        do {
            try send(request.encoded)
        } catch {
            // The daemon may have refused the connection with a line saying why, then closed it.
            if let line = readLine() { _ = try Self.result(of: line) }
            throw error
        }
        guard let line = readLine() else { throw ClientError.unreachable(path, "the daemon closed the connection") }
        return try Self.result(of: line)
    }

    static func result(of line: String) throws(ClientError) -> JSONValue {
        let answer: ControlProtocol.Answer
        do {
            answer = try ControlProtocol.answer(Array(line.utf8))
        } catch {
            throw ClientError.failed("the daemon's answer is not JSON (\(error)): \(line.prefix(200))")
        }
        switch answer {
        case .success(let result): return result
        case .failure(let code, let message): throw ClientError.failed("\(message) (\(code))")
        }
    }
}

enum ClientError: Error, CustomStringConvertible {
    case unreachable(String, String)
    case failed(String)

    var description: String {
        switch self {
        case .unreachable(let path, let why): return "cannot reach feedspoold at \(path): \(why)"
        case .failed(let message): return message
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


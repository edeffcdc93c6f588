import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// A scripted HTTP/1.1 server on 127.0.0.1 (never any other address) for integration
/// tests: each request is answered by the handler's `Action`. A thread per connection,
/// keep-alive, every wait bounded; `stop()` closes everything and joins every thread.
public final class TestHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [(name: String, value: String)]

        public func header(_ name: String) -> String? {
            headers.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// Wait this long before answering (to make requests overlap).
        public var delayMilliseconds: Int
        /// Send the body with Transfer-Encoding: chunked instead of Content-Length.
        public var chunked: Bool
        /// Send no length at all and close the connection after the body.
        public var closeDelimited: Bool

        public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [], delayMilliseconds: Int = 0, chunked: Bool = false, closeDelimited: Bool = false) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delayMilliseconds = delayMilliseconds
            self.chunked = chunked
            self.closeDelimited = closeDelimited
        }

        public init(status: Int = 200, headers: [(String, String)] = [], text: String) {
            self.init(status: status, headers: headers, body: Array(text.utf8))
        }
    }

    public enum Action: Sendable {
        case respond(Response)
        /// Accept the request and never answer (until the server stops).
        case hang
        /// Send the head, then the body one byte per interval.
        case drip(Response, intervalMilliseconds: Int)
        /// Send the head and the first `bytes` of the body, then reset the connection.
        case reset(Response, afterBodyBytes: Int)
        /// Write these bytes and close: whatever a broken server says.
        case raw([UInt8])
        /// A chunked body that never ends: the body, again and again (until the client
        /// gives up, the server stops, or 60 s).
        case endless(Response)
        /// A head promising `contentLength` bytes, the body, then silence (bounded as `hang`).
        case promise(Response, contentLength: Int)
    }

    private struct Stats {
        var inFlight = 0
        var peakInFlight = 0
        var requests: [Request] = []
        var connections: [Int32] = []
        var threads: [pthread_t] = []
        var stopping = false
    }

    private let listener: Int32
    public let port: Int
    private let handler: @Sendable (Request) -> Action
    private let stats = Locked(Stats())

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public init(handler: @escaping @Sendable (Request) -> Action) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 128) == 0 else {
            close(fd)
            throw ServerError("bind/listen on 127.0.0.1: \(errno)")
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        spawn { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// The most requests that were being answered at the same moment.
    public var peakInFlight: Int { stats.withLock { $0.peakInFlight } }
    /// Every request received, in arrival order.
    public var requests: [Request] { stats.withLock { $0.requests } }

    public func count(path: String) -> Int { requests.filter { $0.path == path }.count }

    /// Closes the listener and every connection, then joins every thread.
    public func stop() {
        let (conns, threads, already) = stats.withLock { s -> ([Int32], [pthread_t], Bool) in
            defer { s.stopping = true; s.threads = [] }
            return (s.connections, s.threads, s.stopping)
        }
        if already && threads.isEmpty { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for c in conns { shutdown(c, Int32(SHUT_RDWR)) }
        for t in threads { pthread_join(t, nil) }
        close(listener)
    }

    private var stopping: Bool { stats.withLock { $0.stopping } }

    private func acceptLoop() {
        while !stopping {
            guard waitReadable(listener, milliseconds: 100) else { continue }
            let c = accept(listener, nil, nil)
            if c < 0 { if stopping { return } else { continue } }
            let admitted = stats.withLock { s -> Bool in
                if s.stopping { return false }
                s.connections.append(c)
                return true
            }
            guard admitted else { close(c); return }
            spawn { [self] in serve(c) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            stats.withLock { $0.connections.removeAll { $0 == fd } }
            close(fd)
        }
        var buffer: [UInt8] = []
        // Keep-alive: up to 1,000 requests per connection, each head within 30 s (a client
        // starved of CPU by a loaded test run can take seconds between two requests, and a
        // close racing its next request reads as a transient failure).
        for _ in 0..<1000 {
            guard let request = readRequest(fd, &buffer) else { return }
            stats.withLock {
                $0.requests.append(request)
                $0.inFlight += 1
                $0.peakInFlight = max($0.peakInFlight, $0.inFlight)
            }
            var counted = true
            // A request stops counting as in flight just before its answer is written: once
            // the client has the answer it may start the next request, possibly before this
            // thread runs again, so counting until after the write would over-count.
            let keepOpen = answer(fd, request, handler(request)) {
                if counted { stats.withLock { $0.inFlight -= 1 } }
                counted = false
            }
            if counted { stats.withLock { $0.inFlight -= 1 } }
            if !keepOpen || request.header("connection")?.lowercased() == "close" { return }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        let deadline = 300  // × 100 ms
        var waited = 0
        while true {
            if let end = find(buffer, [13, 10, 13, 10]) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
                let parts = lines.first?.split(separator: " ") ?? []
                guard parts.count >= 2 else { return nil }
                var headers: [(String, String)] = []
                for l in lines.dropFirst() {
                    guard let colon = l.firstIndex(of: ":") else { continue }
                    headers.append((String(l[..<colon]), String(l[l.index(after: colon)...]).trimmingCharacters()))
                }
                return Request(method: String(parts[0]), path: String(parts[1]), headers: headers)
            }
            if buffer.count > 1 << 20 || waited >= deadline || stopping { return nil }
            guard waitReadable(fd, milliseconds: 100) else { waited += 1; continue }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let n = read(fd, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Writes the answer; true when the connection may carry another request.
    private func answer(_ fd: Int32, _ request: Request, _ action: Action, answering: () -> Void) -> Bool {
        switch action {
        case .respond(let r):
            if r.delayMilliseconds > 0 { pause(r.delayMilliseconds) }
            answering()
            guard writeAll(fd, head(r, bodyLength: r.chunked || r.closeDelimited ? nil : r.body.count)) else { return false }
            if request.method == "HEAD" || r.status == 304 { return true }
            if r.chunked {
                var i = 0
                while i < r.body.count {
                    let n = min(1000, r.body.count - i)
                    guard writeAll(fd, Array(String(n, radix: 16).utf8) + [13, 10] + r.body[i..<(i + n)] + [13, 10]) else { return false }
                    i += n
                }
                return writeAll(fd, Array("0\r\n\r\n".utf8))
            }
            guard writeAll(fd, r.body) else { return false }
            return !r.closeDelimited
        case .hang:
            // Bounded: the server's stop() ends it, or 60 s.
            for _ in 0..<600 where !stopping { pause(100) }
            return false
        case .drip(let r, let interval):
            guard writeAll(fd, head(r, bodyLength: r.body.count)) else { return false }
            for b in r.body {
                if stopping { return false }
                pause(interval)
                guard writeAll(fd, [b]) else { return false }
            }
            return true
        case .reset(let r, let after):
            _ = writeAll(fd, head(r, bodyLength: r.body.count))
            _ = writeAll(fd, Array(r.body.prefix(after)))
            pause(50)
            // SO_LINGER 0 turns close() into a reset.
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
            return false
        case .raw(let bytes):
            _ = writeAll(fd, bytes)
            return false
        case .endless(let r):
            answering()
            guard writeAll(fd, head(r, bodyLength: nil)), !r.body.isEmpty else { return false }
            let chunk = Array(String(r.body.count, radix: 16).utf8) + [13, 10] + r.body + [13, 10]
            var t0 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            while !stopping {
                var t = timespec()
                clock_gettime(CLOCK_MONOTONIC, &t)
                if t.tv_sec - t0.tv_sec > 60 { break }
                guard writeAll(fd, chunk) else { break }
            }
            return false
        case .promise(let r, let length):
            answering()
            guard writeAll(fd, head(r, bodyLength: length)), writeAll(fd, r.body) else { return false }
            for _ in 0..<600 where !stopping { pause(100) }
            return false
        }
    }

    private func head(_ r: Response, bodyLength: Int?) -> [UInt8] {
        var s = "HTTP/1.1 \(r.status) \(reason(r.status))\r\n"
        var names = Set<String>()
        for (k, v) in r.headers {
            s += "\(k): \(v)\r\n"
            names.insert(k.lowercased())
        }
        if !names.contains("date") { s += "Date: \(httpDate(time(nil)))\r\n" }
        if r.chunked { s += "Transfer-Encoding: chunked\r\n" }
        if let n = bodyLength, !names.contains("content-length") { s += "Content-Length: \(n)\r\n" }
        if r.closeDelimited { s += "Connection: close\r\n" }
        s += "\r\n"
        return Array(s.utf8)
    }

    private func reason(_ status: Int) -> String {
        [200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect", 404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"][status] ?? "Status"
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        final class Box { let f: @Sendable () -> Void; init(_ f: @escaping @Sendable () -> Void) { self.f = f } }
        var t = pthread_t()
        let arg = Unmanaged.passRetained(Box(body)).toOpaque()
        guard pthread_create(&t, nil, { a in Unmanaged<Box>.fromOpaque(a!).takeRetainedValue().f(); return nil }, arg) == 0 else { return }
        stats.withLock { $0.threads.append(t) }
    }
}

public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// An HTTP-date (IMF-fixdate) for a Unix time.
public func httpDate(_ t: time_t) -> String {
    var tt = t
    var tmv = tm()
    gmtime_r(&tt, &tmv)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(days[Int(tmv.tm_wday)]), \(two(tmv.tm_mday)) \(months[Int(tmv.tm_mon)]) \(tmv.tm_year + 1900) \(two(tmv.tm_hour)):\(two(tmv.tm_min)):\(two(tmv.tm_sec)) GMT"
}

func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, milliseconds) > 0
}

func pause(_ ms: Int) {
    var ts = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
    var rest = timespec()
    while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
}

func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
    guard hay.count >= needle.count else { return nil }
    for i in 0...(hay.count - needle.count) where hay[i] == needle[0] {
        if Array(hay[i..<(i + needle.count)]) == needle { return i }
    }
    return nil
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

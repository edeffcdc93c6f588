import FeedCore

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to the control socket, as the serving thread sees it: its buffered
/// input and output, and the requests it sent that the daemon has not answered yet.
extension ControlServer {
    final class Client {
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

    /// Reads and writes what `events` (from poll) allows on `client`; true when it is to
    /// be closed.
    func serviceClient(_ client: Client, _ events: Int16, now: Int64, chunk: inout [UInt8]) -> Bool {
        var closeIt = false
        if events & Int16(POLLIN) != 0 {
            let got = read(client.fd, &chunk, chunk.count)
            if got > 0 {
                client.lastActivity = now
                client.input.append(contentsOf: chunk[0..<got])
                takeRequests(client)
            } else if got == 0 || (errno != EAGAIN && errno != EINTR) {
                closeIt = true
            }
        } else if events & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
            closeIt = true
        }
        if !closeIt && client.unsent > 0 && (events & Int16(POLLOUT) != 0 || client.closeWhenFlushed) {
            closeIt = !send(client)
        }
        if client.closeWhenFlushed && client.unsent == 0 { closeIt = true }
        return closeIt
    }

    /// Sends what the socket takes of the client's output; false when the connection broke.
    private func send(_ client: Client) -> Bool {
        let sent = client.output.withUnsafeBytes {
            Glibc.send(client.fd, $0.baseAddress! + client.outputOffset, client.unsent, Int32(MSG_NOSIGNAL))
        }
        if sent > 0 {
            client.outputOffset += sent
            if client.outputOffset == client.output.count {
                // A large buffer (a subscriber that fell behind) is given back once drained.
                client.output.removeAll(keepingCapacity: client.output.capacity < 65536)
                client.outputOffset = 0
            }
            return true
        }
        return sent == 0 || errno == EAGAIN || errno == EINTR
    }

    /// Takes the complete lines out of a client's input and dispatches each. A line, or an
    /// unfinished one, longer than a request may be is answered with an error and the
    /// connection is closed once that answer is out.
    private func takeRequests(_ client: Client) {
        while let newline = client.input.firstIndex(of: 0x0A) {
            var line = Array(client.input[..<newline])
            client.input.removeFirst(newline + 1)
            if line.last == 0x0D { line.removeLast() }
            if line.isEmpty { continue }
            guard line.count <= ControlProtocol.maxRequestBytes else { return refuseTooLarge(client) }
            dispatch(line, client)
        }
        if client.input.count > ControlProtocol.maxRequestBytes {
            client.input.removeAll()
            refuseTooLarge(client)
        }
    }

    private func refuseTooLarge(_ client: Client) {
        client.queue(ControlProtocol.failure("too-large", "a request may be at most \(ControlProtocol.maxRequestBytes) bytes"))
        client.closeWhenFlushed = true
    }

    /// Decodes one request line: `subscribe` is served here, everything else goes to the
    /// handler, whose reply comes back to the serving thread through `shared`.
    private func dispatch(_ line: [UInt8], _ client: Client) {
        let request: ControlProtocol.Request
        do {
            request = try ControlProtocol.decode(line)
        } catch {
            if case .malformed(let why) = error { client.queue(ControlProtocol.failure("bad-request", why)) }
            return
        }
        if request.cmd == "subscribe" {
            if !client.subscriber {
                client.subscriber = true
                shared.withLock { $0.subscribers += 1 }
            }
            client.queue(ControlProtocol.success("{\"subscribed\":true}"))
            return
        }
        client.pending += 1
        let id = client.id
        handler.handle(request) { [self] reply in
            shared.withLock { $0.replies.append((id, reply)) }
            wake()
        }
    }
}

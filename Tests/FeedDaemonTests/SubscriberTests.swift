import FeedCore
import FeedDaemon
import Foundation
import TestSupport
import Testing

/// A subscriber too slow for the events: its buffer is bounded, the overflow is dropped,
/// and once it reads again it is told how many it missed — never an unbounded queue.
@Suite struct SubscriberTests {
    struct NoHandler: ControlHandler {
        func handle(_ request: ControlProtocol.Request, reply: @escaping @Sendable (String) -> Void) {
            reply(ControlProtocol.failure("unknown", "no"))
        }
    }

    @Test func aSlowSubscriberIsToldHowManyEventsItMissed() throws {
        let dir = try Binaries.tempDirectory("subscriber")
        var options = ControlServer.Options(path: dir.appendingPathComponent("s.sock").path)
        options.subscriberBuffer = 4096
        let server = try ControlServer(options: options, handler: NoHandler())
        defer { server.stop() }
        let client = try RawClient(path: options.path)
        try client.write("{\"v\":1,\"cmd\":\"subscribe\"}\n")
        #expect(client.readLine()?.contains("subscribed") == true)
        #expect(eventually { server.subscriberCount == 1 })

        // Far more than the socket and the 4 KB buffer hold, while the client reads nothing.
        let payload = String(repeating: "x", count: 200)
        let sent = 3000
        for i in 0..<sent { server.broadcast("{\"v\":1,\"event\":\"article\",\"n\":\(i),\"p\":\"\(payload)\"}") }
        usleep(300_000)
        // Read what was kept, then one more event carries the count of the dropped.
        var received = 0
        var dropped = 0
        var last = ""
        func take(until stop: (String) -> Bool) {
            while true {
                // Only what is there (or arrives within half a second).
                var pfd = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
                guard client.hasBufferedLine || poll(&pfd, 1, 500) > 0, let line = client.readLine() else { return }
                if line.contains("\"event\":\"dropped\"") {
                    dropped += Int(line.split(separator: ":").last!.dropLast()) ?? 0
                } else {
                    received += 1
                }
                last = line
                if stop(line) { return }
            }
        }
        take { $0.contains("\"n\":\(sent - 1),") || $0.contains("\"event\":\"dropped\"") }
        if !last.contains("\"n\":\(sent - 1),") {
            server.broadcast("{\"v\":1,\"event\":\"article\",\"n\":\(sent),\"p\":\"\"}")
            take { $0.contains("\"n\":\(sent),") }
            received -= 1  // the extra event
        }
        print("slow subscriber: \(received) of \(sent) events delivered, \(dropped) reported dropped")
        #expect(dropped > 0)
        #expect(received + dropped == sent)
    }
}

import FeedCore
import Foundation
import TestSupport
import Testing

/// Three `feedspoold` nodes sharing one PostgreSQL, each with its own spool, against a
/// local server of growing feeds that logs every request with the node that made it; nodes
/// are killed with SIGKILL at random moments (seeded, the seed printed) and restarted.
@Suite(.serialized) struct ClusterDaemonTests {
    /// Who asked for what, and when.
    final class RequestLog: Sendable {
        let entries = Locked<[(time: Double, path: String, node: String)]>([])
        func add(_ path: String, _ agent: String?) {
            let node = agent?.split(separator: " ").last.map(String.init) ?? "?"
            entries.withLock { $0.append((Date().timeIntervalSince1970, path, node)) }
        }
    }

    static func toml(node: String, stateURL: String, server: TestHTTPServer, feeds: [LiveFeed]) -> String {
        var t = """
            spool_dir = "spool"
            state_dir = "state"
            socket = "run/ctl.sock"
            state_url = "\(stateURL)"
            node = "\(node)"
            lease = "10s"
            allow_private_networks = true
            full_text = "never"
            interval = "5m"
            user_agent = "feedspool-cluster-test \(node)"

            """
        for f in feeds { t += "[[feed]]\nurl = \"\(server.baseURL)/\(f.name).xml\"\n" }
        return t
    }

    /// Article id → the texts of every file holding it, across the nodes' spools.
    static func spools(_ dirs: [URL]) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for dir in dirs {
            let spool = dir.appendingPathComponent("spool").path
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: spool) else { continue }
            for name in names where name.hasSuffix(".txt") {
                let id = String(name.dropLast(4).split(separator: "_").last ?? "")
                out[id, default: []].append(try String(contentsOfFile: spool + "/" + name, encoding: .utf8))
            }
        }
        return out
    }

    @Test func threeNodesKilledAtRandomDeliverEveryArticleOnce() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["FEEDSPOOL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("cluster test: seed \(seed) (FEEDSPOOL_SEED=\(seed) repeats it)")
        var rng = SplitMix64(state: seed)
        // Its own server: it is restarted in the middle of the run.
        let cluster = try PostgresCluster.privateCluster()
        let stateURL = cluster.connectionString(try cluster.createDatabase("cluster-daemon"))
        let feeds = (0..<30).map { LiveFeed("c\($0)") }
        let log = RequestLog()
        let server = try TestHTTPServer { req in
            log.add(req.path, req.header("user-agent"))
            guard let f = feeds.first(where: { req.path == "/\($0.name).xml" }) else { return .respond(.init(status: 404)) }
            if req.header("if-none-match") == f.etag { return .respond(.init(status: 304, headers: [("ETag", f.etag)])) }
            return .respond(.init(headers: [("ETag", f.etag)], text: f.document()))
        }
        defer { server.stop() }
        let names = ["n0", "n1", "n2"]
        let dirs = try names.map { try Binaries.tempDirectory("cluster-\($0)") }
        var nodes = try names.indices.map { i in
            try RunningDaemon(dir: dirs[i], toml: Self.toml(node: names[i], stateURL: stateURL, server: server, feeds: feeds))
        }
        var expected = feeds.count * 3
        #expect(try eventually(timeout: 60) { try Self.spools(dirs).count == expected })

        var kills = 0
        for round in 0..<6 {
            for f in feeds { f.publish() }
            expected += feeds.count
            // A poll requested on any node makes every feed due for the whole cluster.
            let asker = Int.random(in: 0..<3, using: &rng)
            let poll = try nodes[asker].client(["poll"])
            #expect(poll.status == 0 || !nodes[asker].process.isRunning, "round \(round): \(poll.stderr)")
            usleep(UInt32.random(in: 0...400_000, using: &rng))
            let victim = Int.random(in: 0..<3, using: &rng)
            if nodes[victim].process.isRunning {
                kill(nodes[victim].process.processIdentifier, SIGKILL)
                nodes[victim].process.waitUntilExit()
                kills += 1
            }
            nodes[victim].notify.stop()
            nodes[victim] = try RunningDaemon(dir: dirs[victim], toml: Self.toml(node: names[victim], stateURL: stateURL, server: server, feeds: feeds))
            usleep(UInt32.random(in: 200_000...900_000, using: &rng))
            if round == 3 {
                // PostgreSQL goes away for a while (polls may be in flight): the nodes say
                // so, claim nothing, and resume when it is back.
                for f in feeds { f.publish() }
                expected += feeds.count
                _ = try nodes[0].client(["poll"])
                var seenUnreachable = false
                try cluster.restart {
                    seenUnreachable = eventually(timeout: 20) {
                        nodes.contains { n in ((try? n.status())?["cluster"] as? [String: Any])?["state"] as? String == "unreachable" }
                    }
                }
                #expect(seenUnreachable, "no node reported the state unreachable")
            }
        }
        // The last round's feeds: claimed by whichever node is alive, a killed node's leases
        // taken over once they run out (10 s).
        let survivor = nodes.first { $0.process.isRunning }
        _ = try survivor?.client(["poll"])
        let complete = try eventually(timeout: 90) { try Self.spools(dirs).count == expected }
        let found = try Self.spools(dirs).count
        #expect(complete, "\(found) of \(expected) articles")

        // Every article in exactly one node's spool, nothing left staged.
        let spool = try Self.spools(dirs)
        #expect(spool.values.allSatisfy { $0.count == 1 }, "in two spools: \(spool.filter { $0.value.count > 1 }.keys.sorted())")
        for dir in dirs {
            let staged = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool/tmp").path)) ?? []
            #expect(staged.isEmpty, "\(dir.lastPathComponent): \(staged)")
        }
        // No feed was asked for by two nodes at once: requests of one feed by different
        // nodes are at least apart by the time between two poll requests.
        let entries = log.entries.withLock { $0 }
        var overlaps: [String] = []
        for (path, requests) in Dictionary(grouping: entries, by: \.path) {
            let sorted = requests.sorted { $0.time < $1.time }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.node != b.node && b.time - a.time < 0.05 {
                overlaps.append("\(path): \(a.node) and \(b.node) \(Int((b.time - a.time) * 1000)) ms apart")
            }
        }
        #expect(overlaps.isEmpty, "\(overlaps)")
        // The per-host limit (per_host = 2) held across the three nodes.
        #expect(server.peakInFlight <= 2, "\(server.peakInFlight) requests at once")
        // status on any node shows the cluster: three nodes, the totals of all (as of its
        // last heartbeat, a few seconds at most).
        let alive = try #require(survivor)
        func view() throws -> [String: Any]? { try alive.status()?["cluster"] as? [String: Any] }
        let totalsCaughtUp = try eventually(timeout: 20) {
            ((try view()?["totals"] as? [String: Any])?["delivered"] as? NSNumber)?.intValue == expected
        }
        let shown = try #require(try view())
        #expect(totalsCaughtUp, "\(shown)")
        #expect(shown["state"] as? String == "reachable")
        #expect((shown["nodes"] as? [[String: Any]])?.count == 3)
        #expect(shown["feed_lists_agree"] as? Bool == true)
        for n in nodes where n.process.isRunning {
            n.process.terminate()
            #expect(n.waitForExit() == 0)
        }
        print("cluster test: \(kills) kills, \(expected) articles, each in one spool")
    }

    /// `tail -f` on one node follows every node's articles (LISTEN/NOTIFY), each with its
    /// node and path, its text read from that path.
    @Test func tailOnOneNodeFollowsTheWholeCluster() throws {
        let cluster = try PostgresCluster.shared()
        let stateURL = cluster.connectionString(try cluster.createDatabase("cluster-tail"))
        let feeds = (0..<8).map { LiveFeed("t\($0)") }
        let server = try DaemonTests.server(feeds)
        defer { server.stop() }
        let dirs = try ["ta", "tb"].map { try Binaries.tempDirectory("cluster-\($0)") }
        // a lists half the feeds: the other half only b polls, so a's tail must hear of them.
        let a = try RunningDaemon(dir: dirs[0], toml: Self.toml(node: "ta", stateURL: stateURL, server: server, feeds: Array(feeds.prefix(4))))
        let b = try RunningDaemon(dir: dirs[1], toml: Self.toml(node: "tb", stateURL: stateURL, server: server, feeds: feeds))
        #expect(try eventually(timeout: 60) { try Self.spools(dirs).count == feeds.count * 3 })
        let (tail, tailOut) = try Binaries.launch("feedspool", ["tail", "-f", "-n", "0", "--json", "--socket", a.socket])
        defer { if tail.isRunning { kill(tail.processIdentifier, SIGKILL) } }
        let lines = LineCollector(tailOut.fileHandleForReading)
        // New stories once the follower is subscribed (a listens to the cluster from its start).
        #expect(try eventually(timeout: 10) { (try a.status()?["subscribers"] as? NSNumber)?.intValue == 1 })
        for f in feeds { f.publish() }
        _ = try b.client(["poll"])
        // The new stories (those delivered a moment before the follower came may be
        // announced to it too: they are not counted).
        let events = {
            lines.all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
                .filter { ($0["title"] as? String)?.hasSuffix(" story 3") == true }
        }
        #expect(eventually(timeout: 30) { events().count >= feeds.count })
        let got = events()
        #expect(got.count == feeds.count, "\(lines.all)")
        #expect(Set(got.compactMap { $0["node"] as? String }).isSubset(of: ["ta", "tb"]))
        for e in got {
            let path = try #require(e["path"] as? String)
            let node = try #require(e["node"] as? String)
            #expect(path.hasPrefix((node == "ta" ? dirs[0] : dirs[1]).path), "\(e)")
            #expect((e["text"] as? String)?.isEmpty == false, "\(e)")
            #expect(FileManager.default.fileExists(atPath: path))
        }
        // Both nodes polled (the claims spread): the other node's articles reached a's tail.
        let fromB = got.filter { $0["node"] as? String == "tb" }.count
        #expect(fromB >= 4)
        // The nodes' lists differ: status says so.
        #expect((try a.status()?["cluster"] as? [String: Any])?["feed_lists_agree"] as? Bool == false)
        print("cluster tail: \(got.count) articles, \(fromB) delivered by the other node")
        for n in [a, b] {
            n.process.terminate()
            #expect(n.waitForExit() == 0)
        }
    }
}

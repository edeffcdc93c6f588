import FeedCore
import FeedStorePostgres
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

    static func toml(node: String, stateURL: String, server: TestHTTPServer, feeds: [LiveFeed], lease: String = "10s") -> String {
        var t = """
            spool_dir = "spool"
            state_dir = "state"
            socket = "run/ctl.sock"
            state_url = "\(stateURL)"
            node = "\(node)"
            lease = "\(lease)"
            per_host = 2
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

    /// How many article files the nodes' spools hold (names only: cheap enough to poll).
    static func spoolCount(_ dirs: [URL]) -> Int {
        dirs.reduce(0) { n, dir in
            n + ((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool").path)) ?? []).filter { $0.hasSuffix(".txt") }.count
        }
    }

    /// A node killed, and the leases it held at that moment (feed → the lease's end, the
    /// database's clock in seconds).
    struct Kill {
        var time: Double
        var node: String
        var leases: [(feed: String, until: Int64)]
    }

    /// The cluster test: three nodes, 300 growing feeds on one host, 20 SIGKILLs at
    /// random moments (seeded), PostgreSQL restarted half-way. Every article ends in exactly
    /// one spool; a dead node's feeds are requested by nobody while its lease lasts and by
    /// some node within the lease plus one scheduling tick; the per-host limit holds across
    /// the nodes.
    @Test func threeNodesKilledAtRandomDeliverEveryArticleOnce() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["FEEDSPOOL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("cluster test: seed \(seed) (FEEDSPOOL_SEED=\(seed) repeats it)")
        var rng = SplitMix64(state: seed)
        // Its own server: it is restarted in the middle of the run.
        let cluster = try PostgresCluster.privateCluster()
        let stateURL = cluster.connectionString(try cluster.createDatabase("cluster-daemon"))
        let feeds = (0..<300).map { LiveFeed("c\($0)") }
        let byPath = Dictionary(uniqueKeysWithValues: feeds.map { ("/\($0.name).xml", $0) })
        let log = RequestLog()
        let server = try TestHTTPServer { req in
            log.add(req.path, req.header("user-agent"))
            guard let f = byPath[req.path] else { return .respond(.init(status: 404)) }
            if req.header("if-none-match") == f.etag { return .respond(.init(status: 304, headers: [("ETag", f.etag)])) }
            return .respond(.init(headers: [("ETag", f.etag)], text: f.document()))
        }
        defer { server.stop() }
        let lease: Int64 = 5
        let names = ["n0", "n1", "n2"]
        let dirs = try names.map { try Binaries.tempDirectory("cluster-\($0)") }
        func start(_ i: Int) throws -> RunningDaemon {
            try RunningDaemon(dir: dirs[i], toml: Self.toml(node: names[i], stateURL: stateURL, server: server, feeds: feeds, lease: "\(lease)s"))
        }
        var nodes = try names.indices.map(start)
        var expected = feeds.count * 3
        #expect(eventually(timeout: 120) { Self.spoolCount(dirs) == expected })
        var db = try PGConnection(stateURL)
        func leases(of node: String) throws -> [(feed: String, until: Int64)] {
            let rows = try db.execute(
                "SELECT key, lease_until FROM feeds WHERE lease_node = $1 AND lease_until >= EXTRACT(EPOCH FROM clock_timestamp())::BIGINT",
                .text(node))
            return (0..<rows.count).map { (rows.text($0, 0) ?? "", rows.int($0, 1) ?? 0) }
        }

        var kills: [Kill] = []
        var down: Int?
        var outage = (from: Double.infinity, to: -Double.infinity)
        for round in 0..<20 {
            if let d = down {
                nodes[d] = try start(d)
                down = nil
            }
            for f in feeds { f.publish() }
            expected += feeds.count
            // A poll requested on any node makes every feed due for the whole cluster.
            let asker = Int.random(in: 0..<3, using: &rng)
            _ = eventually(timeout: 10) { (try? nodes[asker].status()) != nil }
            let poll = try nodes[asker].client(["poll"])
            #expect(poll.status == 0, "round \(round): \(poll.stderr)")
            // A random moment while polls are in flight; the victim is a node holding
            // leases when one does (killing an idle node proves little).
            usleep(UInt32.random(in: 50_000...600_000, using: &rng))
            let holders = try names.indices.filter { !(try leases(of: names[$0])).isEmpty }
            let victim = holders.isEmpty ? Int.random(in: 0..<3, using: &rng) : holders[Int.random(in: 0..<holders.count, using: &rng)]
            kill(nodes[victim].process.processIdentifier, SIGKILL)
            nodes[victim].process.waitUntilExit()
            nodes[victim].notify.stop()
            let kill = Kill(time: Date().timeIntervalSince1970, node: names[victim], leases: try leases(of: names[victim]))
            kills.append(kill)
            // A third of the victims stay down for a round: their feeds must go to the others.
            if Int.random(in: 0..<3, using: &rng) == 0 {
                down = victim
            } else {
                nodes[victim] = try start(victim)
            }
            // The next kill after this one's leases ran out (else the host's two places are
            // the dead node's, and nobody holds a lease to lose).
            let until = Double(kill.leases.map(\.until).max() ?? 0)
            while Date().timeIntervalSince1970 < until + 1 { usleep(100_000) }
            usleep(UInt32.random(in: 0...500_000, using: &rng))
            if round == 10 {
                // PostgreSQL goes away for a while (polls in flight): the nodes say so,
                // claim nothing, and resume when it is back.
                for f in feeds { f.publish() }
                expected += feeds.count
                _ = try nodes[asker].client(["poll"])
                var seenUnreachable = false
                outage.from = Date().timeIntervalSince1970
                db.close()
                try cluster.restart {
                    seenUnreachable = eventually(timeout: 20) {
                        nodes.contains { n in n.process.isRunning && ((try? n.status())?["cluster"] as? [String: Any])?["state"] as? String == "unreachable" }
                    }
                }
                #expect(seenUnreachable, "no node reported the state unreachable")
                #expect(eventually(timeout: 30) {
                    guard let again = try? PGConnection(stateURL) else { return false }
                    db = again
                    return true
                })
                // Every node back (its back-off, 2 s doubling, ended): from then on takeovers
                // are judged again.
                let back = eventually(timeout: 90) {
                    nodes.allSatisfy { n in
                        !n.process.isRunning || ((try? n.status())?["cluster"] as? [String: Any])?["state"] as? String == "reachable"
                    }
                }
                #expect(back, "a node still reports the state unreachable")
                outage.to = Date().timeIntervalSince1970
            }
        }
        if let d = down { nodes[d] = try start(d) }
        let survivor = try #require(nodes.first { $0.process.isRunning })
        _ = eventually(timeout: 10) { (try? survivor.status()) != nil }
        _ = try survivor.client(["poll"])
        let complete = eventually(timeout: 180) { Self.spoolCount(dirs) >= expected }
        #expect(complete, "\(Self.spoolCount(dirs)) of \(expected) articles")

        // Every article in exactly one node's spool, nothing left staged.
        let spool = try Self.spools(dirs)
        #expect(spool.count == expected)
        #expect(spool.values.allSatisfy { $0.count == 1 }, "in two spools: \(spool.filter { $0.value.count > 1 }.keys.sorted())")
        for dir in dirs {
            let staged = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("spool/tmp").path)) ?? []
            #expect(staged.isEmpty, "\(dir.lastPathComponent): \(staged)")
        }
        // A dead node's feeds: nobody asked for them while its lease lasted (the database
        // frees a lease once its clock, in whole seconds rounded, is past its end: half a
        // second after it), and some node did within the lease plus one scheduling tick
        // (a claim a second), a second of rounding, and a second for the request to arrive.
        let entries = log.entries.withLock { $0 }
        let byFeed = Dictionary(grouping: entries, by: \.path).mapValues { $0.map(\.time).sorted() }
        var early: [String] = [], late: [String] = [], checked = 0
        for k in kills {
            for (feed, until) in k.leases {
                let path = String(feed.dropFirst(server.baseURL.count))
                guard let next = byFeed[path]?.first(where: { $0 > k.time }) else {
                    late.append("\(path): never requested after \(k.node) was killed")
                    continue
                }
                if next < Double(until) + 0.4 { early.append("\(path): \(next - Double(until)) s after \(k.node)'s lease ended") }
                // Not judged while PostgreSQL was away (or the nodes backed off from it).
                if Double(until) + 3 < outage.from || k.time > outage.to {
                    checked += 1
                    if next > Double(until) + 3 { late.append("\(path): \(next - Double(until)) s after \(k.node)'s lease ended") }
                }
            }
        }
        #expect(early.isEmpty, "requested while a dead node's lease lasted: \(early)")
        #expect(late.isEmpty, "taken over late: \(late)")
        #expect(kills.count == 20)
        #expect(checked >= 10, "only \(checked) takeovers judged")
        // No feed was asked for by two nodes at once: requests of one feed by different
        // nodes are never closer than a poll takes.
        var overlaps: [String] = []
        for (path, requests) in Dictionary(grouping: entries, by: \.path) {
            let sorted = requests.sorted { $0.time < $1.time }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.node != b.node && b.time - a.time < 0.005 {
                overlaps.append("\(path): \(a.node) and \(b.node) \(Int((b.time - a.time) * 1000)) ms apart")
            }
        }
        #expect(overlaps.isEmpty, "\(overlaps)")
        // The per-host limit (per_host = 2) held across the three nodes.
        #expect(server.peakInFlight <= 2, "\(server.peakInFlight) requests at once")
        // status on any node shows the cluster: three nodes, the totals of all (as of its
        // last heartbeat, a few seconds at most).
        func view() throws -> [String: Any]? { try survivor.status()?["cluster"] as? [String: Any] }
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
        print("cluster test: \(kills.count) kills, \(checked) leases of dead nodes taken over in time, \(expected) articles, each in one spool")
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

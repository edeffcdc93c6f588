import FeedCore
import Foundation

/// A throwaway PostgreSQL cluster for tests: `initdb` into a temporary directory, the
/// server listening on a Unix socket there only (no TCP port to collide with), stopped when
/// the test process exits. One cluster per test process; each test takes a database of its
/// own. The server refuses to run as root: as root, it runs as the `postgres` user.
public final class PostgresCluster: Sendable {
    public let directory: String
    public let port = 5432
    let bin: String

    /// The cluster of this test process, started on first use. A missing PostgreSQL is an
    /// error that says how to get it (`make test` installs it), never a skipped test.
    public static func shared() throws -> PostgresCluster {
        try started.get()
    }

    private static let started: Result<PostgresCluster, ClusterError> = Result { () throws(ClusterError) in try PostgresCluster() }

    /// A cluster of the caller's own (stopped at exit too), for a test that restarts its
    /// server: the shared one's other users must not see it go.
    public static func privateCluster() throws -> PostgresCluster {
        try PostgresCluster()
    }

    var options: String { "-k \(directory) -c listen_addresses='' -p \(port) -c fsync=off -c max_connections=200" }

    public struct ClusterError: Error, CustomStringConvertible {
        public var description: String
    }

    private init() throws(ClusterError) {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else {
            throw ClusterError(description: "PostgreSQL is not installed (/usr/lib/postgresql/*/bin): apt-get install postgresql, or run make test, which does")
        }
        bin = "/usr/lib/postgresql/\(newest)/bin"
        var template = Array("/tmp/feedspool-pg-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw ClusterError(description: "cannot create a directory for the test cluster: errno \(errno)")
        }
        directory = String(cString: made)
        let asRoot = getuid() == 0
        if asRoot {
            guard let pw = getpwnam("postgres") else { throw ClusterError(description: "running as root, but there is no postgres user to run the server") }
            chown(directory, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        try run(["\(bin)/initdb", "-D", "\(directory)/data", "-A", "trust", "-U", "feedspool", "--no-sync", "-E", "UTF8", "--locale=C"])
        do {
            try run(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-o", options, "-l", "\(directory)/log", "-w", "-t", "120", "start"])
        } catch {
            let log = (try? String(contentsOfFile: "\(directory)/log", encoding: .utf8)) ?? "(no log)"
            throw ClusterError(description: "\(error.description)\nthe server's log:\n\(log.suffix(2000))")
        }
        PostgresClusterStop.register(bin: bin, data: "\(directory)/data", asRoot: asRoot)
    }

    /// Runs a PostgreSQL program (as the postgres user when we are root), waiting for it.
    private func run(_ args: [String]) throws(ClusterError) {
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + args : args
        try Self.spawn(argv, in: directory)
    }

    /// posix_spawn and waitpid, output to a file: Foundation's `Process` on Linux can miss
    /// the exit of a child that `runuser` starts in a session of its own (seen hanging in
    /// `waitUntilExit` with the child a zombie), and a pipe would be held open by the server
    /// `pg_ctl` leaves running.
    static func spawn(_ command: [String], in directory: String) throws(ClusterError) {
        // Only 0-2 are passed on: a test process holds hundreds of descriptors at once
        // (sockets, pipes of other tests), which would count against the server's limit
        // (it refused to start: "System allows 16, we need at least 58") and keep other
        // tests' pipes open. From /tmp: the postgres user may not be allowed into the
        // test's working directory.
        let script = """
            for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null
            cd /tmp && exec "$@"
            """
        let argv = ["/bin/bash", "-c", script, "bash"] + command
        let outPath = "\(directory)/spawn-\(getpid())-\(UUID().uuidString.prefix(8)).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard spawned == 0 else {
            throw ClusterError(description: "\(command[0]): cannot start it (errno \(spawned))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        unlink(outPath)
        // WIFEXITED and WEXITSTATUS are macros Swift does not import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw ClusterError(description: "\(command.joined(separator: " ")) failed (wait status \(status)): \(output)")
        }
    }

    /// Stops the server (fast: sessions are ended), runs `whileDown`, and starts it again:
    /// what a node sees when PostgreSQL is restarted or goes away for a while.
    public func restart(whileDown: () -> Void = {}) throws {
        try run(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-m", "fast", "-w", "-t", "60", "stop"])
        whileDown()
        try run(["\(bin)/pg_ctl", "-D", "\(directory)/data", "-o", options, "-l", "\(directory)/log", "-w", "-t", "120", "start"])
    }

    /// A libpq connection string for `database`.
    public func connectionString(_ database: String) -> String {
        "host=\(directory) port=\(port) user=feedspool dbname=\(database)"
    }

    /// A new, empty database named after `tag` (unique per call).
    public func createDatabase(_ tag: String) throws -> String {
        let name = "t_" + tag.lowercased().filter { $0.isLetter || $0.isNumber } + "_" + UUID().uuidString.prefix(8).lowercased()
        try Self.spawn(["\(bin)/createdb", "-h", directory, "-p", String(port), "-U", "feedspool", name], in: directory)
        return name
    }
}

/// Stops the cluster when the test process exits (an `atexit` handler cannot capture).
enum PostgresClusterStop {
    static let commands = Locked<[String]>([])

    static func register(bin: String, data: String, asRoot: Bool) {
        let stop = "\(bin)/pg_ctl -D \(data) -m immediate -w stop >/dev/null 2>&1; rm -rf \((data as NSString).deletingLastPathComponent)"
        let command = asRoot ? "runuser -u postgres -- sh -c '\(bin)/pg_ctl -D \(data) -m immediate -w stop' >/dev/null 2>&1; rm -rf \((data as NSString).deletingLastPathComponent)" : stop
        let first = commands.withLock { list -> Bool in
            list.append(command)
            return list.count == 1
        }
        if first {
            atexit {
                for c in PostgresClusterStop.commands.withLock({ $0 }) { _ = system(c) }
            }
        }
    }
}

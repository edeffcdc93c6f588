import ArgumentParser
import FeedConfig
import FeedStore
import FeedStorePostgres

struct MigrateStateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-state",
        abstract: "Copy a machine's state into a cluster's PostgreSQL.",
        discussion: """
            Copies the SQLite state of one machine (feeds with their validators and schedules, \
            seen identities, fingerprints, deliveries with their provenance, items waiting for \
            their page, the sequence) into the PostgreSQL a cluster shares, so that the cluster \
            delivers nothing this machine already delivered. Stop the daemon first. The cluster \
            state must hold no deliveries yet; nothing is changed when the copy fails. Then set \
            state_url (and node) in the configuration and start the daemon: it is the cluster's \
            first node, its spool goes on where it was.
            Exit status: 0 copied, 1 the copy failed (nothing changed), 2 bad arguments.
            """)

    @Option(help: ArgumentHelp("The cluster's PostgreSQL: a connection URI or keyword string (a password is better given by PGPASSWORD or ~/.pgpass).", valueName: "url"))
    var to: String

    @Option(help: ArgumentHelp("The daemon's configuration file (for state_dir and node).", valueName: "file"))
    var config: String = Config.defaultPath

    @Option(help: ArgumentHelp("The state directory (instead of reading it from the configuration).", valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("The node whose deliveries these were (default: the configuration's node, or the host name).", valueName: "name"))
    var node: String?

    func run() throws {
        var dir = stateDir
        var nodeName = node
        if dir == nil || nodeName == nil {
            do {
                let loaded = try Config.load(path: config)
                dir = dir ?? loaded.stateDir
                nodeName = nodeName ?? loaded.node
            } catch {
                guard let _ = dir else {
                    Diagnostics.print("\(error)")
                    throw ExitCode(2)
                }
                nodeName = nodeName ?? Config.hostName
            }
        }
        guard let dir, let nodeName else { throw ExitCode(2) }
        switch Result(catching: { () throws(StoreError) in try migrate(dir: dir, node: nodeName) }) {
        case .success(let line):
            print(line)
        case .failure(let failure):
            Diagnostics.print("\(failure)")
            throw ExitCode(1)
        }
    }

    /// Copies the state; the line that says what was copied.
    private func migrate(dir: String, node nodeName: String) throws(StoreError) -> String {
        let source = try StateStore(directory: dir, readOnly: true)
        let report = try StateMigration.copy(from: source, to: to, node: nodeName)
        let rows = StateStore.exportedTables.map { "\(report.rows[$0.table] ?? 0) \($0.table)" }.joined(separator: ", ")
        return "copied \(source.path) into \(ConnectionString.redacted(to)) as node \(nodeName): \(rows); numbering goes on from \(report.nextSequence)"
    }
}

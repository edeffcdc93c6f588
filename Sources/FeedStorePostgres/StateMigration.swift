import FeedStore

/// `feedspool migrate-state --to postgresql://…`: a single machine's SQLite state copied
/// into the cluster's PostgreSQL — feeds with their validators, schedules and health, seen
/// identities, fingerprints and SimHashes, deliveries (as the given node's, with their
/// provenance), items waiting for their page, and the sequence — so that the cluster
/// delivers nothing that machine already delivered, and numbering goes on after it.
///
/// One transaction: a failure leaves the cluster as it was. The target must hold no
/// deliveries yet (sequence numbers name spool files: two machines' numbers would collide);
/// feeds it already knows are kept, with this machine's identities added to them.
public enum StateMigration {
    public struct Report: Sendable, Equatable {
        public var rows: [String: Int] = [:]
        public var nextSequence: Int64 = 0
    }

    public static func copy(from source: StateStore, to connectionString: String, node: String) throws(StoreError) -> Report {
        let place = ConnectionString.redacted(connectionString)
        let db: PGConnection
        do {
            db = try PGConnection(connectionString, applicationName: "feedspool migrate-state")
            try ClusterSchema.migrate(db)
        } catch {
            throw PostgresState.storeError(place, "open the cluster state", error)
        }
        do {
            try db.execute("BEGIN")
            // No one else copies or delivers meanwhile.
            try db.execute("LOCK TABLE deliveries IN EXCLUSIVE MODE")
            if try !db.execute("SELECT 1 FROM deliveries LIMIT 1").isEmpty {
                throw PGError("the cluster state already holds deliveries: a machine's state can only be moved into a cluster that has delivered nothing (its sequence numbers name its spool's files)")
            }
            let report = try copyRows(from: source, into: db, node: node)
            try db.execute("COMMIT")
            return report
        } catch let error as PGError {
            _ = try? db.execute("ROLLBACK")
            throw PostgresState.storeError(db.place, "copy \(source.path) into the cluster state", error)
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw StoreError(message: "\(source.path): cannot read the state to copy: \(error)", unreachable: false)
        }
    }

    private static func copyRows(from source: StateStore, into db: PGConnection, node: String) throws -> Report {
        var report = Report()
        var feedIDs: [String: String] = ["0": "0"]  // 0: articles found in the spool
        for (table, columns) in StateStore.exportedTables {
            var count = 0
            try source.exportRows(table, columns: columns) { row in
                switch table {
                case "feeds":
                    // The cluster's own id; a feed it knows keeps its row.
                    let values = Array(row.dropFirst())
                    let names = Array(columns.dropFirst())
                    let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
                    let rows = try db.execute("""
                        INSERT INTO feeds(\(names.joined(separator: ", "))) VALUES(\(placeholders))
                        ON CONFLICT(key) DO UPDATE SET key = excluded.key RETURNING id
                        """, params: values.map(PGValue.of))
                    if let old = row[0], let new = rows.text(0, 0) { feedIDs[old] = new }
                case "simhashes":
                    // A row per delivery here, a row per band in the cluster (it looks bands
                    // up in SQL).
                    guard let hash = row[1].flatMap({ Int64($0) }) else {
                        throw StoreError(message: "the SimHash of delivery \(row[0] ?? "?") is not an integer: \(row[1] ?? "NULL")", unreachable: false)
                    }
                    try db.execute(
                        "INSERT INTO simhashes(band, simhash, seq, seen) SELECT b, $2, $3, $4 FROM unnest($1::int8[]) AS u(b)",
                        params: [PostgresState.array(SimHashBands.of(UInt64(bitPattern: hash))), .int(hash), PGValue.of(row[0]), PGValue.of(row[2])])
                default:
                    var values = row
                    var names = columns
                    if let feedColumn = columns.firstIndex(of: "feed_id") { values[feedColumn] = values[feedColumn].flatMap { feedIDs[$0] } ?? values[feedColumn] }
                    if table == "deliveries" {
                        names.append("node")
                        values.append(node)
                    }
                    if table == "pending_pages" {
                        names.append("lease_node")
                        values.append(node)
                    }
                    let placeholders = (1...names.count).map { "$\($0)" }.joined(separator: ", ")
                    try db.execute(
                        "INSERT INTO \(table)(\(names.joined(separator: ", "))) VALUES(\(placeholders)) ON CONFLICT DO NOTHING",
                        params: values.map(PGValue.of))
                }
                count += 1
            }
            report.rows[table] = count
        }
        var width: String?
        try source.exportRows("meta", columns: ["key", "value"]) { row in if row[0] == "seq_width" { width = row[1] } }
        if let width {
            try db.execute("INSERT INTO feedspool_meta(key, value) VALUES('seq_width', $1) ON CONFLICT(key) DO UPDATE SET value = excluded.value", .text(width))
        }
        if let top = try db.execute("SELECT MAX(seq) FROM deliveries").int(0, 0) {
            try db.execute("SELECT setval('delivery_seq', $1)", .int(top))
            report.nextSequence = top + PostgresState.block
        }
        return report
    }
}

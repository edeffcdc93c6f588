// The state's rows as text, table by table, for `feedspool migrate-state` (which copies a
// machine's state into the cluster's PostgreSQL): every column read as SQLite's text of it,
// NULL as nil.

extension StateStore {
    /// The tables a migration copies, each with the columns it reads, in an order that
    /// lets feed ids be mapped before the rows that name them.
    public static let exportedTables: [(table: String, columns: [String])] = [
        ("feeds", feedColumns.split(separator: ",").map { $0.trimmingSpaces }),
        ("items", ["feed_id", "identity", "content", "first_seen", "last_seen", "seq", "outcome", "related_seq", "distance"]),
        ("deliveries", deliveryColumns.split(separator: ",").map { $0.trimmingSpaces }),
        ("fingerprints", ["fingerprint", "seq", "seen"]),
        ("simhashes", ["seq", "simhash", "seen"]),
        ("pending_pages", pendingColumns.split(separator: ",").map { $0.trimmingSpaces }),
    ]

    /// Calls `body` with each row of `table` (the columns named).
    public func exportRows(_ table: String, columns: [String], _ body: ([String?]) throws -> Void) throws {
        let statement = try db.statement("SELECT \(columns.joined(separator: ", ")) FROM \(table)")
        while try statement.step() {
            try body((0..<columns.count).map { statement.text(Int32($0)) })
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\n" }.reversed())
    }
}

import CSQLite

// The system SQLite through a thin wrapper, not GRDB: the store needs a dozen prepared
// statements and explicit transactions, and GRDB would add about a minute to every clean
// CI build on 2 cores for features we would not use.

/// A failure of the state database: what was being done, SQLite's message and code.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var code: Int32

    public var description: String { message }

    /// The state's server could not be reached (a shared state only): nothing was done,
    /// the same call can be tried again later.
    public var isUnreachable = false

    /// SQLite reported that the disk (or the database size limit) is full.
    public var isDiskFull: Bool { code & 0xFF == SQLITE_FULL }

    init(_ message: String, code: Int32 = SQLITE_ERROR) {
        self.message = message
        self.code = code
    }

    /// A failure of another backend than SQLite.
    public init(message: String, unreachable: Bool) {
        self.message = message
        self.code = SQLITE_ERROR
        self.isUnreachable = unreachable
    }
}

/// One SQLite connection. Not thread-safe: owned by one actor or thread.
final class SQLiteDatabase {
    let handle: OpaquePointer
    let path: String
    private var cache: [String: Statement] = [:]

    init(path: String, readOnly: Bool = false) throws(StoreError) {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw StoreError("\(path): cannot open the state database: \(msg)", code: rc)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ what: String, _ rc: Int32) -> StoreError {
        StoreError("\(path): \(what): \(String(cString: sqlite3_errmsg(handle)))", code: rc)
    }

    func execute(_ sql: String) throws(StoreError) {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error("\(sql.prefix(60))", rc) }
    }

    /// A prepared statement, cached by its SQL text.
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let prepared = cache[sql] {
            prepared.reset()
            return prepared
        }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error("prepare \(sql.prefix(60))", rc) }
        let prepared = Statement(stmt, db: self)
        cache[sql] = prepared
        return prepared
    }

    /// Runs `body` in one write transaction: all of it is committed, or none. With `synced`
    /// false the commit is not flushed to disk (`synchronous=NORMAL` for it): a crash may
    /// lose it, but never out of order, since the next synced commit flushes the log up to
    /// and including it.
    func transaction<T>(synced: Bool = true, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard !synced else { return try writeTransaction(body) }
        try execute("PRAGMA synchronous=NORMAL")
        let outcome = Result { () throws(StoreError) -> T in try writeTransaction(body) }
        try execute("PRAGMA synchronous=FULL")
        return try outcome.get()
    }

    private func writeTransaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
}

/// A prepared statement: bind by 1-based index, step, read columns by 0-based index.
final class Statement {
    let stmt: OpaquePointer
    unowned let db: SQLiteDatabase

    init(_ stmt: OpaquePointer, db: SQLiteDatabase) {
        self.stmt = stmt
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    @discardableResult
    func bind(_ values: SQLValue...) -> Statement {
        for (index, value) in values.enumerated() { bind(value, at: Int32(index + 1)) }
        return self
    }

    func bind(_ value: SQLValue, at position: Int32) {
        switch value {
        case .null: sqlite3_bind_null(stmt, position)
        case .int(let number): sqlite3_bind_int64(stmt, position, number)
        case .text(let text): sqlite3_bind_text(stmt, position, text, -1, fs_sqlite_transient())
        }
    }

    /// Advances; true when a row is available.
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = db.error("step", rc)
            sqlite3_reset(stmt)
            throw failure
        }
    }

    /// The first row, read by `read`, or nil; the statement is reset at once. A statement
    /// left on a row holds its read transaction open, and an open reader keeps the WAL
    /// from ever restarting: it would grow without bound (with its index in memory).
    func row<T>(_ read: (Statement) -> T) throws(StoreError) -> T? {
        defer { sqlite3_reset(stmt) }
        return try step() ? read(self) : nil
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) {
        while try step() {}
    }

    func int(_ col: Int32) -> Int64 { sqlite3_column_int64(stmt, col) }

    func optionalInt(_ col: Int32) -> Int64? {
        sqlite3_column_type(stmt, col) == SQLITE_NULL ? nil : sqlite3_column_int64(stmt, col)
    }

    func text(_ col: Int32) -> String? {
        guard let chars = sqlite3_column_text(stmt, col) else { return nil }
        return String(cString: chars)
    }
}

enum SQLValue {
    case null
    case int(Int64)
    case text(String)

    static func of(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    static func of(_ value: Int64?) -> SQLValue { value.map(SQLValue.int) ?? .null }
    static func of(_ value: Int?) -> SQLValue { value.map { .int(Int64($0)) } ?? .null }
}

import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL failure: what was being done, the server's words and its SQLSTATE, and
/// where (host, port, database — never the password).
public struct PGError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The five-character SQLSTATE, when the server gave one (`23505`: a unique violation).
    public var sqlState: String?
    /// True when the connection itself failed (the server is unreachable or went away),
    /// not the statement.
    public var connectionLost: Bool

    public init(_ message: String, sqlState: String? = nil, connectionLost: Bool = false) {
        self.message = message
        self.sqlState = sqlState
        self.connectionLost = connectionLost
    }

    public var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A serialization failure or a deadlock: the transaction may simply be run again.
    public var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}

/// A value bound to a statement's `$n`, sent as text (libpq's text format: integers and
/// strings need no binary layout of their own).
public enum PGValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)
    case bool(Bool)

    public static func of(_ value: String?) -> PGValue { value.map(PGValue.text) ?? .null }
    public static func of(_ value: Int64?) -> PGValue { value.map(PGValue.int) ?? .null }
    public static func of(_ value: Int?) -> PGValue { value.map { .int(Int64($0)) } ?? .null }

    /// A `text[]` parameter in PostgreSQL's array syntax (every element quoted; nil is NULL).
    public static func textArray(_ values: [String?]) -> PGValue {
        var out = "{"
        for (index, element) in values.enumerated() {
            if index > 0 { out += "," }
            guard let element else {
                out += "NULL"
                continue
            }
            out += "\""
            for ch in element {
                if ch == "\"" || ch == "\\" { out.append("\\") }
                out.append(ch)
            }
            out += "\""
        }
        return .text(out + "}")
    }

    public static func textArray(_ values: [String]) -> PGValue { textArray(values.map(Optional.some)) }

    var text: String? {
        switch self {
        case .null: return nil
        case .int(let number): return String(number)
        case .text(let string): return string
        case .bool(let flag): return flag ? "t" : "f"
        }
    }
}

/// The rows a statement returned, read by column as text (the default result format) and
/// converted here.
public struct PGRows: Sendable {
    public let columns: [String]
    /// Row-major; nil is SQL NULL.
    let cells: [[String?]]

    public var count: Int { cells.count }
    public var isEmpty: Bool { cells.isEmpty }

    /// Nil for NULL, and for a row or column that is not there.
    public func text(_ row: Int, _ column: Int) -> String? {
        row < cells.count && column < columns.count ? cells[row][column] : nil
    }
    public func int(_ row: Int, _ column: Int) -> Int64? { text(row, column).flatMap { Int64($0) } }
    public func bool(_ row: Int, _ column: Int) -> Bool? { text(row, column).map { $0 == "t" } }
}

/// One connection to PostgreSQL through libpq, used by one task at a time (not thread-safe:
/// the state store that owns it confines it). Statements are parameterized (`$1`, `$2`, …):
/// no value is ever spliced into SQL.
public final class PGConnection {
    private var conn: OpaquePointer?
    /// Where it is connected, for messages: `host:port/dbname` (no user, no password).
    public let place: String

    /// Connects with a libpq connection string (`postgresql://…` or `key=value …`).
    /// Passwords come through libpq's own mechanisms (the string, `PGPASSWORD`,
    /// `~/.pgpass`, `PGPASSFILE`); messages never repeat them. `connectTimeout` (seconds)
    /// applies unless the string sets its own.
    public init(_ connectionString: String, connectTimeout: Int = 10, applicationName: String = "feedspool") throws(PGError) {
        let safe = ConnectionString.redacted(connectionString)
        // Keyword arrays rather than string editing: the operator's string is passed whole
        // ("dbname" expands it), with defaults only for what it does not say.
        let keys = ["dbname", "connect_timeout", "application_name"]
        let values = [connectionString, String(connectTimeout), applicationName]
        let connection = withCStrings(keys) { keywords in withCStrings(values) { settings in PQconnectdbParams(keywords, settings, 1) } }
        guard let connection else { throw PGError("cannot connect to PostgreSQL at \(safe): out of memory", connectionLost: true) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let why = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw PGError("cannot connect to PostgreSQL at \(safe): \(why)", connectionLost: true)
        }
        conn = connection
        let host = PQhost(connection).map { String(cString: $0) } ?? "?"
        let port = PQport(connection).map { String(cString: $0) } ?? "?"
        let db = PQdb(connection).map { String(cString: $0) } ?? "?"
        place = "\(host):\(port)/\(db)"
        // Messages from the server in English and no notices on stderr.
        _ = try execute("SET client_min_messages = warning")
    }

    deinit { if let conn { PQfinish(conn) } }

    /// Closes the connection (a later statement fails as a lost connection).
    public func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    public var isConnected: Bool { conn.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Runs one statement with parameters; its rows (empty for a command).
    @discardableResult
    public func execute(_ sql: String, _ params: PGValue...) throws(PGError) -> PGRows {
        try execute(sql, params: params)
    }

    @discardableResult
    public func execute(_ sql: String, params: [PGValue]) throws(PGError) -> PGRows {
        guard let conn else { throw PGError("\(place): the connection is closed", connectionLost: true) }
        let texts = params.map(\.text)
        let name = try prepared(sql, conn)
        let result: OpaquePointer? = withOptionalCStrings(texts) { values in
            PQexecPrepared(conn, name, Int32(texts.count), values, nil, nil, 0)
        }
        guard let result else {
            throw PGError("\(place): \(Self.trimmed(PQerrorMessage(conn)))", connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PGRows(columns: [], cells: [])
        case PGRES_TUPLES_OK:
            let rows = Int(PQntuples(result)), cols = Int(PQnfields(result))
            var names: [String] = []
            for column in 0..<cols { names.append(String(cString: PQfname(result, Int32(column)))) }
            var cells: [[String?]] = []
            cells.reserveCapacity(rows)
            for rowIndex in 0..<rows {
                var row: [String?] = []
                row.reserveCapacity(cols)
                for column in 0..<cols {
                    row.append(PQgetisnull(result, Int32(rowIndex), Int32(column)) != 0 ? nil : String(cString: PQgetvalue(result, Int32(rowIndex), Int32(column))))
                }
                cells.append(row)
            }
            return PGRows(columns: names, cells: cells)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.trimmed(PQresultErrorMessage(result))
            let lost = PQstatus(conn) != CONNECTION_OK
            throw PGError("\(place): \(primary) (in: \(sql.prefix(80).split(separator: "\n").joined(separator: " ")))", sqlState: state, connectionLost: lost)
        }
    }

    /// Notifications (`NOTIFY`) received on this connection since the last call, as
    /// (channel, payload): what arrived while statements ran, and whatever the socket holds
    /// now (read without waiting).
    public func notifications() throws(PGError) -> [(channel: String, payload: String)] {
        guard let conn else { throw PGError("\(place): the connection is closed", connectionLost: true) }
        guard PQconsumeInput(conn) == 1 else {
            throw PGError("\(place): \(Self.trimmed(PQerrorMessage(conn)))", connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        var out: [(String, String)] = []
        while let notice = PQnotifies(conn) {
            out.append((String(cString: notice.pointee.relname), String(cString: notice.pointee.extra)))
            PQfreemem(notice)
        }
        return out
    }

    /// Statements prepared on this connection, by their text: the state's few dozen
    /// statements are parsed and planned once per connection, not once per call.
    private var statements: [String: String] = [:]

    private func prepared(_ sql: String, _ conn: OpaquePointer) throws(PGError) -> String {
        if let name = statements[sql] { return name }
        let name = "s\(statements.count)"
        guard let result = PQprepare(conn, name, sql, 0, nil) else {
            throw PGError("\(place): \(Self.trimmed(PQerrorMessage(conn)))", connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.trimmed(PQresultErrorMessage(result))
            throw PGError("\(place): \(primary) (in: \(sql.prefix(80).split(separator: "\n").joined(separator: " ")))", sqlState: state, connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        statements[sql] = name
        return name
    }

    /// Runs a script of several statements without parameters (migrations), in the simple
    /// query protocol (the extended one takes one statement at a time).
    public func executeScript(_ sql: String) throws(PGError) {
        guard let conn else { throw PGError("\(place): the connection is closed", connectionLost: true) }
        guard let result = PQexec(conn, sql) else {
            throw PGError("\(place): \(Self.trimmed(PQerrorMessage(conn)))", connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PGError("\(place): \(Self.trimmed(PQresultErrorMessage(result)))", sqlState: state, connectionLost: PQstatus(conn) != CONNECTION_OK)
        }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// `durable`: its commit waits for the server's disk even when the session's commits
    /// do not (`synchronous_commit = off`).
    public func transaction<T>(durable: Bool = false, _ body: () throws(PGError) -> T) throws(PGError) -> T {
        if durable {
            try executeScript("BEGIN; SET LOCAL synchronous_commit = on")
        } else {
            try execute("BEGIN")
        }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    static func trimmed(_ message: UnsafeMutablePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        return String(cString: message).trimmingTrailingWhitespace
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var trimmed = Substring(self)
        while let last = trimmed.last, last.isWhitespace { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// `body` with a NULL-terminated array of C strings (libpq's keyword and value arrays).
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// `body` with an array of C strings, nil for SQL NULL (libpq's parameter values).
private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for copy in copies { free(copy) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}

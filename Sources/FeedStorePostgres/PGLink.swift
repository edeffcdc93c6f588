import FeedStore

/// A connection to the cluster's state that is opened again once lost: every use runs on
/// a live connection, an error that lost it drops it (the next use reconnects), and errors
/// come out as the store's, naming the server and what was being done — `unreachable`
/// when the server could not be reached, which the daemon reports and backs off from.
final class PGLink {
    /// The server, for messages: `host:port/dbname` once connected, the connection string
    /// without its password before.
    private(set) var place: String
    private let open: () throws(PGError) -> PGConnection
    private var connection: PGConnection?

    /// `open` connects and prepares a session (its settings, its LISTENs).
    init(connectionString: String, open: @escaping () throws(PGError) -> PGConnection) {
        place = ConnectionString.redacted(connectionString)
        self.open = open
    }

    /// A link whose first connection is already open.
    init(_ connection: PGConnection, open: @escaping () throws(PGError) -> PGConnection) {
        place = connection.place
        self.open = open
        self.connection = connection
    }

    /// The live connection, opened (again) when there is none.
    func connected() throws(StoreError) -> PGConnection {
        if let connection, connection.isConnected { return connection }
        connection = nil
        do {
            let db = try open()
            place = db.place
            connection = db
            return db
        } catch {
            throw Self.storeError(place, "connect", error)
        }
    }

    /// Runs `body` on the live connection, turning its errors into the store's.
    func run<T>(_ what: @autoclosure () -> String, _ body: (PGConnection) throws(PGError) -> T) throws(StoreError) -> T {
        let db = try connected()
        do {
            return try body(db)
        } catch {
            if error.connectionLost { connection = nil }
            throw Self.storeError(place, what(), error)
        }
    }

    static func storeError(_ place: String, _ what: String, _ error: PGError) -> StoreError {
        StoreError(message: "\(place): cannot \(what): \(error)", unreachable: error.connectionLost)
    }
}

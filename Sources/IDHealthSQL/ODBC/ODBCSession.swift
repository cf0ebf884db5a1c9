import Foundation

/// A database reached through an ODBC driver: statements, rows and bulk loads go through the
/// one ``ODBCConnection`` transport; what the engine says in SQL is the session's own
/// (``PostgresSession`` or ``SQLiteSession``).
protocol ODBCSession: Database {
    var odbc: ODBCConnection { get }
}

extension ODBCSession {
    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        try odbc.execute(dialect.renderPositional(sql))
    }

    public func executeScript(_ sql: SQL) throws {
        try odbc.executeScript(dialect.renderPositional(sql))
    }

    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        try odbc.forEachRow(dialect.renderPositional(sql), body)
    }

    /// Prepared `INSERT`s of bound values, in the caller's transaction.
    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        let sink = InsertSink(database: self, table: table, columns: columns, parameterLimit: 7_000)
        try produce(sink)
        try sink.flush()
    }

    public func interrupter() -> DatabaseInterrupter { odbc.running }
}

/// Connects through ODBC in the session of the engine the driver reaches: the one `dialect`
/// names, or else the one the driver's DBMS name says.
public enum ODBC {
    /// The engines this version reaches through ODBC.
    public static let engines: [Dialect.Engine] = [.postgres, .redshift, .sqlite]

    /// `create` lets the SQLite driver make a missing file (`generate`); otherwise a SQLite
    /// file the string names must exist (the driver would make an empty one).
    public static func connect(connectionString: String, dialect forced: Dialect?, create: Bool = false) throws -> any Database {
        if let forced, !engines.contains(forced.engine) {
            throw ConfigError("idhealth reaches \(enginesInWords) through ODBC in this version, not \(forced.engine.displayName): `idhealth compile --dialect \(forced.engine.rawValue)` writes the SQL to run there")
        }
        // Before the driver opens its SQLite connection, so that it has idhealth's functions.
        if forced == nil || forced?.engine == .sqlite { SQLiteFunctions.registerOnEveryConnection() }
        // A SQLite connection needs driver options of idhealth's; when the engine is not named,
        // the first connection tells which it is (a DSN may name the driver) and SQLite's is
        // opened again with them.
        // A string that names the SQLite driver gets them on the first connection too, and
        // the file it names must exist (the driver would make an empty one).
        let namesSQLite = ODBCConnectionString.pairs(connectionString).contains { $0.key.lowercased() == "driver" && $0.value.lowercased().contains("sqlite") }
        let opened = forced?.engine == .sqlite || namesSQLite ? try ODBCConnectionString.sqliteOptions(connectionString) : connectionString
        if namesSQLite, !create, let file = ODBCConnectionString.pairs(connectionString).last(where: { $0.key.lowercased() == "database" })?.value,
           !file.isEmpty, file != ":memory:", !FileManager.default.fileExists(atPath: file) {
            throw ConfigError("SQLite database not found: \(file) (named by Database= of the ODBC connection string)")
        }
        let connection = try ODBCConnection(connectionString: opened, engine: forced?.engine ?? (namesSQLite ? .sqlite : nil))
        let name = connection.dbmsName.lowercased()
        let engine: Dialect.Engine
        if let forced {
            engine = forced.engine
        } else if name.contains("redshift") {
            engine = .redshift
        } else if name.contains("postgres") {
            engine = .postgres
        } else if name.contains("sqlite") {
            engine = .sqlite
        } else {
            throw ConfigError("the ODBC driver's database is \(connection.dbmsName.isEmpty ? "of no name it gives" : connection.dbmsName); idhealth speaks to \(enginesInWords) through ODBC in this version: name one with --dialect")
        }
        connection.engine = engine
        switch engine {
        case .sqlite:
            let options = try ODBCConnectionString.sqliteOptions(connectionString)
            return try ODBCSQLiteDatabase(options == opened ? connection : ODBCConnection(connectionString: options, engine: .sqlite))
        default: return try ODBCDatabase(connection, dialect: Dialect(engine: engine))
        }
    }

    static var enginesInWords: String {
        let names = engines.map(\.displayName)
        return names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "")
    }
}

/// A PostgreSQL-protocol server through its ODBC driver (PostgreSQL through psqlODBC,
/// Redshift through Amazon's driver), whose catalog, lock and SHA-1 statements it shares
/// with ``PostgresDatabase`` (``PostgresSession``).
public final class ODBCDatabase: PostgresSession, ODBCSession {
    public let dialect: Dialect
    public private(set) var target: String
    let lockTable = LockTable()
    let odbc: ODBCConnection

    init(_ connection: ODBCConnection, dialect: Dialect) throws {
        odbc = connection
        self.dialect = dialect
        let host = connection.serverName.isEmpty ? "localhost" : connection.serverName
        target = "odbc:\(dialect.engine == .redshift ? "redshift" : "postgresql")://\(host)/\(connection.databaseName)"
        try prepareSession()
        // As the native connection names it, user and port included (asked of the server: the
        // driver does not say); never a password.
        if let user = try? scalar("SELECT current_user").stringValue {
            let port = (try? scalar("SELECT setting FROM pg_settings WHERE name = 'port'").stringValue).flatMap { $0 }.map { ":" + $0 } ?? ""
            target = "odbc:\(dialect.engine == .redshift ? "redshift" : "postgresql")://\(user)@\(host)\(port)/\(connection.databaseName)"
        }
    }
}

/// A SQLite file through the SQLite ODBC driver (Debian's libsqliteodbc), which opens the
/// file with the system libsqlite3: schemas, lock and pragmas as ``SQLiteDatabase`` has them
/// (``SQLiteSession``), and idhealth's SHA-1 and `regexp` functions in the driver's
/// connection through SQLite's automatic extensions.
public final class ODBCSQLiteDatabase: SQLiteSession, ODBCSession {
    public let dialect = Dialect.sqlite
    public let path: String
    public let resolvedPath: String
    public var target: String { "odbc:sqlite:" + path }
    let lockFiles = SQLiteLockFiles()
    /// The driver waits on a lock of its own in exclusive locking mode (measured: 30 s, then
    /// "database is locked"), so a file with several names is refused instead.
    let holdsFileAlone = false
    let odbc: ODBCConnection

    init(_ connection: ODBCConnection) throws {
        odbc = connection
        // The engine names its file, whatever the connection string or the DSN called it.
        var file = ""
        try connection.forEachRow(RenderedSQL(text: "SELECT file FROM pragma_database_list WHERE name = 'main'", bindings: [], labels: [])) { row in
            file = row[0].stringValue ?? ""
            return false
        }
        path = file.isEmpty ? ":memory:" : file
        resolvedPath = SQLiteDatabase.resolved(path)
        try requireFunctions()
        try prepareSession()
    }

    /// Nothing: the SQLite driver waits for another writer with a busy handler of its own,
    /// for its connection string's `Timeout` (``ODBCConnectionString/sqliteOptions(_:)``),
    /// and installs it again after idhealth's (a `PRAGMA busy_timeout`, or idhealth's own
    /// interruptible handler set after connecting, did not last: measured); nor does its
    /// handler stop for `SQLCancel`.
    public func setLockWait(seconds: Double) throws {}

    /// The checks call `regexp` and idhealth's SHA-1; a driver built on a SQLite of its own
    /// (not the system libsqlite3 idhealth registered them in) does not have them.
    private func requireFunctions() throws {
        let probe: SQL = "SELECT \(sql: SQL.expression(.sha1Hex(SQL.bind(.text("")), functionSchema: nil))), \(sql: SQL.expression(.regexpMatch(value: SQL.bind(.text("x")), pattern: SQL.bind(.text("^x$")))))"
        do {
            let row = try firstRow(probe)
            guard row?[0].stringValue == SHA1Hex.digest(""), row?[1].intValue == 1 else {
                throw ConfigError("the SQLite ODBC driver's connection computes idhealth's functions wrongly (SHA-1 of '' is \(row?[0].stringValue ?? "NULL"))")
            }
        } catch let error as DatabaseError {
            throw ConfigError("the SQLite ODBC driver's connection lacks idhealth's SQL functions (\(error.message)): the driver must use the system libsqlite3, in whose connections idhealth registers them, as Debian's libsqliteodbc does")
        }
    }
}

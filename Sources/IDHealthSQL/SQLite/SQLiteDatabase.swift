import CSQLite
import Foundation

/// A connection to a SQLite file through the system libsqlite3.
///
/// Opened in WAL mode with a busy timeout, so a reader never blocks on a writer and a
/// second writer waits for the lock instead of failing at once. Schemas other than `main`
/// are attached on demand (see ``useSchema(_:create:)``).
public final class SQLiteDatabase: SQLiteSession {
    public let dialect = Dialect.sqlite
    public let path: String
    /// The file itself, symbolic links resolved: what the lock and the attached schemas'
    /// sibling files are named from, so that a database reached through a link is still one
    /// database (docs/semantics.md, "Atomic and locked").
    public let resolvedPath: String
    let handle: OpaquePointer
    let lockFiles = SQLiteLockFiles()
    private let busyWait: SQLiteBusyWait

    public var target: String { path }

    /// Opens the database file at `path`, creating it when `create` is set.
    /// See https://www.sqlite.org/c3ref/open.html.
    /// With `create` unset, a missing file is an error instead of a new, empty database.
    public init(path: String, create: Bool = true, busyTimeoutMilliseconds: Int32 = 30_000) throws {
        self.path = path
        if !create && path != ":memory:" && !FileManager.default.fileExists(atPath: path) {
            throw ConfigError("SQLite database not found: \(path) (run `idhealth generate` or `idhealth demo` to create one)")
        }
        if path != ":memory:" {
            var info = stat()
            if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
                let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
                throw ConfigError("\(path) is \(kind), not a SQLite database; give a SQLite file, a postgres:// URI or a libpq keyword string")
            }
        }
        var db: OpaquePointer?
        // Always with CREATE: a missing main file was refused above, and an attached schema's
        // file is created on first use (see ``useSchema(_:create:)``).
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw DatabaseError(engine: .sqlite, code: String(code), message: "\(message): \(path)")
        }
        handle = db
        resolvedPath = Self.resolved(path)
        busyWait = SQLiteBusyWait(timeoutMilliseconds: Int(busyTimeoutMilliseconds))
        busyWait.install(on: db)
        sqlite3_extended_result_codes(db, 1)
        try SQLiteFunctions.register(on: db)
        do {
            try prepareSession()
        } catch let error as DatabaseError where Int(error.code).map({ $0 & 0xFF == 26 }) == true {
            // SQLITE_NOTADB: a file that is not a SQLite database (opening reads nothing yet).
            throw ConfigError("\(path) is not a SQLite database (\(error.message)); give a SQLite file, a postgres:// URI or a libpq keyword string")
        }
    }

    /// The page cache of the main database, in KiB. SQLite lets each sort hold as much in
    /// memory before it spills, so a statement with many sorts alive at once multiplies it
    /// (which is why the trait values are found with one sort, not one per trait).
    static let cacheKibibytes: Int64 = 65_536

    deinit {
        sqlite3_close_v2(handle)
    }

    func error(_ code: Int32, sql: String?) -> DatabaseError {
        DatabaseError(engine: .sqlite, code: String(code), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    @discardableResult
    public func execute(_ sql: SQL) throws -> Int {
        let rendered = dialect.render(sql)
        let statement = try SQLiteStatement(database: self, sql: rendered.text, single: true)
        try statement.bind(rendered.bindings)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    public func executeScript(_ sql: SQL) throws {
        let rendered = dialect.render(sql)
        guard rendered.bindings.isEmpty else {
            throw DatabaseError(engine: .sqlite, code: "21", message: "a script cannot bind values", sql: rendered.text)
        }
        try SQLiteStatement.forEachStatement(database: self, script: rendered.text) { statement in
            while try statement.step() {}
        }
    }

    public func forEachRow(_ sql: SQL, _ body: (Row) throws -> Bool) throws {
        let rendered = dialect.render(sql)
        let statement = try SQLiteStatement(database: self, sql: rendered.text, single: true)
        try statement.bind(rendered.bindings)
        let columns = statement.columnNames
        while try statement.step() {
            if try !body(Row(columns: columns, values: statement.currentValues())) { break }
        }
    }

    public func bulkLoad(into table: QualifiedName, columns: [String], _ produce: (BulkSink) throws -> Void) throws {
        // One placeholder per column; each row binds its own values to them.
        let placeholders = Array(repeating: SQL.bind(.null), count: columns.count).joined(separator: ", ")
        let insert: SQL = "INSERT INTO \(table: table) (\(sql: columns.map(SQL.identifier).joined(separator: ", "))) VALUES (\(sql: placeholders))"
        let statement = try SQLiteStatement(database: self, sql: dialect.render(insert).text, single: true)
        try produce(SQLiteBulkSink(statement: statement))
    }

    /// `path` with every symbolic link resolved (`realpath`), or as it is when it cannot be
    /// (`:memory:`, a file not created yet).
    static func resolved(_ path: String) -> String {
        guard path != ":memory:", let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    public func setLockWait(seconds: Double) throws {
        busyWait.setTimeout(milliseconds: seconds <= 0 ? 0 : Int(seconds * 1000))
    }

    public func interrupter() -> DatabaseInterrupter { SQLiteInterrupter(handle: handle, busyWait: busyWait) }
}

/// Stops a waiting connection's busy handler and calls `sqlite3_interrupt`, which SQLite
/// documents as safe to call from another thread while the connection is open
/// (https://www.sqlite.org/c3ref/interrupt.html). The handle is only passed to that call,
/// never used otherwise: hence `@unchecked Sendable`.
final class SQLiteInterrupter: DatabaseInterrupter, @unchecked Sendable {
    let handle: OpaquePointer
    let busyWait: SQLiteBusyWait
    init(handle: OpaquePointer, busyWait: SQLiteBusyWait) {
        self.handle = handle
        self.busyWait = busyWait
    }
    func interrupt() {
        busyWait.interrupt()
        sqlite3_interrupt(handle)
    }
}

/// Feeds rows to a prepared INSERT, reusing one statement for every row.
struct SQLiteBulkSink: BulkSink {
    let statement: SQLiteStatement
    func append(_ values: [SQLValue]) throws {
        try statement.reset()
        try statement.bind(values)
        while try statement.step() {}
    }
}

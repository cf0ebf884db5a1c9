import CODBC
import Foundation

/// A connection through an ODBC driver, over the system unixODBC driver manager: a
/// warehouse's own driver with its own authentication (key pairs, OAuth, service accounts are
/// the driver's business, named in its connection string).
///
/// The SQL is the dialect's, as on a native connection; only the transport differs. This is
/// the transport: statements prepared with their values bound as typed parameters, rows
/// fetched one at a time with `SQLFetch`/`SQLGetData` and never all held, a driver's error
/// kept with its SQLSTATE, its message and the statement, never the connection string. What
/// the engine says in SQL (catalog, lock, SHA-1) is its session's: ``ODBCDatabase`` for
/// PostgreSQL-protocol servers, ``ODBCSQLiteDatabase`` for SQLite files.
final class ODBCConnection {
    /// The engine whose errors these are, known once connected.
    var engine: Dialect.Engine
    private let environment: SQLHENV
    private let handle: SQLHDBC
    /// The statement running now, for ``interrupter()`` (SQLCancel may be called from another thread).
    let running = RunningStatement()

    /// The database the driver says it reaches (`SQLGetInfo`): its DBMS name, server and database.
    let dbmsName: String, serverName: String, databaseName: String

    /// Connects with an ODBC connection string (`DSN=…;UID=…` or `Driver={…};Server=…;…`).
    /// `engine` nil: not known until connected (a DSN names the driver); a failure to
    /// connect is then an `ODBC error`, not one of an engine guessed.
    init(connectionString: String, engine known: Dialect.Engine?) throws {
        let engine = known ?? .postgres
        let label = known == nil ? "ODBC" : nil
        self.engine = engine
        _ = try ODBCLibrary.load()
        var environment: SQLHENV?
        guard SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_ENV), nil, &environment) == SQL_SUCCESS, let environment else {
            throw DatabaseError(engine: engine, code: "HY001", message: "unixODBC could not allocate an environment", label: label)
        }
        SQLSetEnvAttr(environment, SQLINTEGER(SQL_ATTR_ODBC_VERSION), idhealth_odbc_version_3(), 0)
        var connection: SQLHDBC?
        guard SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_DBC), environment, &connection) == SQL_SUCCESS, let connection else {
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
            throw DatabaseError(engine: engine, code: "HY001", message: "unixODBC could not allocate a connection", label: label)
        }
        // A server that never answers must not hang a nightly job.
        SQLSetConnectAttr(connection, SQLINTEGER(SQL_ATTR_LOGIN_TIMEOUT), UnsafeMutableRawPointer(bitPattern: 10), 0)
        var text = Array(connectionString.utf8)
        let status = SQLDriverConnect(connection, nil, &text, SQLSMALLINT(text.count), nil, 0, nil, SQLUSMALLINT(SQL_DRIVER_NOPROMPT))
        if !Self.succeeded(status) {
            let diagnostic = Self.diagnostic(SQLSMALLINT(SQL_HANDLE_DBC), connection)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), connection)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
            let message = ODBCConnectionString.redact(diagnostic.message, connectionString: connectionString)
            // IM002: no such DSN, or no such driver — the command names a data source that is
            // not set up here (exit 2), not a database that failed.
            if diagnostic.state == "IM002" {
                throw ConfigError("the ODBC connection string names a data source or driver unixODBC does not know (odbcinst -q -s and -d list them): \(message)")
            }
            throw DatabaseError(engine: engine, code: diagnostic.state, message: "cannot connect through ODBC: " + message, label: label)
        }
        self.environment = environment
        self.handle = connection
        dbmsName = Self.info(connection, SQLUSMALLINT(SQL_DBMS_NAME))
        serverName = Self.info(connection, SQLUSMALLINT(SQL_SERVER_NAME))
        databaseName = Self.info(connection, SQLUSMALLINT(SQL_DATABASE_NAME))
    }

    deinit {
        SQLDisconnect(handle)
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), handle)
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment)
    }

    // MARK: - Statements

    /// Runs one rendered statement; returns the rows it changed.
    func execute(_ rendered: RenderedSQL) throws -> Int {
        // SQLite's driver runs `BEGIN IMMEDIATE` and `COMMIT` as the statements they are, and
        // in autocommit mode would take SQLEndTran for nothing; other drivers need the calls.
        if engine != .sqlite, rendered.bindings.isEmpty, let command = TransactionCommand(rendered.text) {
            try transaction(command, sql: rendered.text)
            return 0
        }
        return try withStatement(rendered) { statement in
            var count: SQLLEN = 0
            SQLRowCount(statement, &count)
            // A statement that returns rows may run only as they are fetched (the SQLite
            // driver steps a `PRAGMA journal_mode = WAL` at the first fetch): fetched to the end.
            var columns: SQLSMALLINT = 0
            SQLNumResultCols(statement, &columns)
            if columns > 0 {
                while true {
                    let fetched = SQLFetch(statement)
                    if fetched == SQL_NO_DATA { break }
                    guard Self.succeeded(fetched) else { throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: rendered.text) }
                }
            }
            return max(Int(count), 0)
        }
    }

    /// Runs the statements of a script one by one (a driver need not take several in one
    /// call), split where a `;` ends one outside quotes and comments.
    func executeScript(_ rendered: RenderedSQL) throws {
        guard rendered.bindings.isEmpty else {
            throw DatabaseError(engine: engine, code: "42P02", message: "a script cannot bind values", sql: rendered.text)
        }
        for statement in ScriptSplitter.statements(rendered.text) {
            _ = try execute(RenderedSQL(text: statement, bindings: [], labels: []))
        }
    }

    func forEachRow(_ rendered: RenderedSQL, _ body: (Row) throws -> Bool) throws {
        try withStatement(rendered) { statement in
            var count: SQLSMALLINT = 0
            SQLNumResultCols(statement, &count)
            guard count > 0 else { return }
            var names: [String] = []
            var types: [SQLSMALLINT] = []
            for column in 1...count {
                var name = [SQLCHAR](repeating: 0, count: 256)
                var length: SQLSMALLINT = 0, type: SQLSMALLINT = 0, digits: SQLSMALLINT = 0, nullable: SQLSMALLINT = 0
                var size: SQLULEN = 0
                SQLDescribeCol(statement, SQLUSMALLINT(column), &name, SQLSMALLINT(name.count), &length, &type, &size, &digits, &nullable)
                names.append(String(decoding: name.prefix(Int(min(length, 255))), as: UTF8.self))
                types.append(engine == .sqlite && Self.undeclared(statement, column: SQLUSMALLINT(column), type: type) ? Self.undeclaredType : type)
            }
            // One buffer for every value of every row: SQLGetData copies each piece into it.
            var chunk = [UInt8](repeating: 0, count: 8192)
            while true {
                let fetched = SQLFetch(statement)
                if fetched == SQL_NO_DATA { return }
                guard Self.succeeded(fetched) else { throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: rendered.text) }
                var values: [SQLValue] = []
                values.reserveCapacity(names.count)
                for column in 1...count {
                    values.append(try value(statement, column: SQLUSMALLINT(column), type: types[Int(column) - 1], buffer: &chunk, sql: rendered.text))
                }
                // The rest of the rows are not read: the statement is closed by withStatement.
                if try !body(Row(columns: names, values: values)) { return }
            }
        }
    }

    /// `BEGIN`, `COMMIT` and `ROLLBACK` as ODBC has them: a driver in autocommit mode need not
    /// pass a `BEGIN` through as one (psqlODBC's does not hold a swap together), so a
    /// transaction turns autocommit off and ends with `SQLEndTran`, which turns it back on.
    private func transaction(_ command: TransactionCommand, sql: String) throws {
        let kind = SQLSMALLINT(SQL_HANDLE_DBC)
        switch command {
        case .begin:
            guard Self.succeeded(SQLSetConnectAttr(self.handle, SQLINTEGER(SQL_ATTR_AUTOCOMMIT), idhealth_autocommit_off(), 0)) else {
                throw error(kind, self.handle, sql: sql)
            }
        case .commit, .rollback:
            let ended = SQLEndTran(kind, self.handle, SQLSMALLINT(command == .commit ? SQL_COMMIT : SQL_ROLLBACK))
            let failure = Self.succeeded(ended) ? nil : error(kind, self.handle, sql: sql)
            SQLSetConnectAttr(self.handle, SQLINTEGER(SQL_ATTR_AUTOCOMMIT), idhealth_autocommit_on(), 0)
            if let failure { throw failure }
        }
    }

    // MARK: - ODBC calls

    /// Prepares and runs one statement with its parameters bound, hands it to `body` (row
    /// count, rows), and frees it whatever happens.
    private func withStatement<T>(_ rendered: RenderedSQL, _ body: (SQLHSTMT) throws -> T) throws -> T {
        var handle: SQLHSTMT?
        guard SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), self.handle, &handle) == SQL_SUCCESS, let statement = handle else {
            throw error(SQLSMALLINT(SQL_HANDLE_DBC), self.handle, sql: rendered.text)
        }
        defer {
            running.set(nil)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), statement)
        }
        var text = Array(rendered.text.utf8)
        guard Self.succeeded(SQLPrepare(statement, &text, SQLINTEGER(text.count))) else {
            throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: rendered.text)
        }
        // Every buffer stays alive until the statement has run.
        let parameters = ParameterBuffers(rendered.bindings)
        defer { parameters.free() }
        for (index, binding) in parameters.bindings.enumerated() {
            let bound = SQLBindParameter(statement, SQLUSMALLINT(index + 1), SQLSMALLINT(SQL_PARAM_INPUT), binding.cType, binding.sqlType,
                                         binding.columnSize, 0, binding.buffer, binding.bufferLength, binding.indicator)
            guard Self.succeeded(bound) else { throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: rendered.text) }
        }
        running.set(statement)
        let executed = SQLExecute(statement)
        guard Self.succeeded(executed) || executed == SQL_NO_DATA else {
            throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: rendered.text)
        }
        return try body(statement)
    }

    /// One column of the current row, read as text in pieces and typed by its ODBC type.
    private func value(_ statement: SQLHSTMT, column: SQLUSMALLINT, type: SQLSMALLINT, buffer chunk: inout [UInt8], sql: String) throws -> SQLValue {
        var bytes: [UInt8] = []
        while true {
            var indicator: SQLLEN = 0
            let status = SQLGetData(statement, column, SQLSMALLINT(SQL_C_CHAR), &chunk, SQLLEN(chunk.count), &indicator)
            if status == SQL_NO_DATA { break }
            guard Self.succeeded(status) else { throw error(SQLSMALLINT(SQL_HANDLE_STMT), statement, sql: sql) }
            if indicator == idhealth_sql_null_data { return .null }
            // A piece fills the buffer but for its terminating NUL when more follows.
            let piece = indicator == idhealth_sql_no_total || Int(indicator) >= chunk.count ? chunk.count - 1 : Int(indicator)
            bytes.append(contentsOf: chunk.prefix(piece))
            if status == SQL_SUCCESS { break }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        switch Int32(type) {
        case SQL_SMALLINT, SQL_INTEGER, SQL_BIGINT, SQL_TINYINT:
            return Int64(text).map(SQLValue.integer) ?? .text(text)
        case SQL_BIT:
            return .integer(["1", "t", "true"].contains(text.lowercased()) ? 1 : 0)
        case SQL_REAL, SQL_FLOAT, SQL_DOUBLE, SQL_NUMERIC, SQL_DECIMAL:
            return Double(text).map(SQLValue.real) ?? .text(text)
        case Int32(Self.undeclaredType):
            return Self.inferred(text)
        default:
            return .text(text)
        }
    }

    /// A type no ODBC type has: a SQLite column without a declared type (an expression's, a
    /// view's computed one).
    static let undeclaredType: SQLSMALLINT = -32_000

    /// Whether the SQLite driver describes a column with its fallback for "no declared type",
    /// `varchar` in lower case; a declared type is given as it was declared.
    private static func undeclared(_ statement: SQLHSTMT, column: SQLUSMALLINT, type: SQLSMALLINT) -> Bool {
        guard type == SQL_VARCHAR else { return false }
        var name = [SQLCHAR](repeating: 0, count: 64)
        var length: SQLSMALLINT = 0
        SQLColAttribute(statement, column, SQLUSMALLINT(SQL_DESC_TYPE_NAME), &name, SQLSMALLINT(name.count), &length, nil)
        return String(decoding: name.prefix(Int(max(0, min(Int(length), name.count)))), as: UTF8.self) == "varchar"
    }

    /// A value of a column without a declared type, which the SQLite driver hands over as
    /// text whatever SQLite holds: typed as SQLite writes its numbers (`12`, `-3`, `2.5`,
    /// `1.0e+20`), so `COUNT(*)` is a number as on the native connection; any other text,
    /// `007` and `+1` among them, stays text.
    static func inferred(_ text: String) -> SQLValue {
        if let number = Int64(text), String(number) == text { return .integer(number) }
        if text.range(of: #"^-?[0-9]+\.[0-9]+(e[+-][0-9]+)?$"#, options: .regularExpression) != nil, let number = Double(text) {
            return .real(number)
        }
        return .text(text)
    }

    static func succeeded(_ status: SQLRETURN) -> Bool {
        status == SQL_SUCCESS || status == SQL_SUCCESS_WITH_INFO
    }

    /// The first diagnostic record of a handle: its SQLSTATE and the driver's message.
    static func diagnostic(_ kind: SQLSMALLINT, _ handle: SQLHANDLE) -> (state: String, message: String) {
        var state = [SQLCHAR](repeating: 0, count: 6)
        var message = [SQLCHAR](repeating: 0, count: 2048)
        var native: SQLINTEGER = 0
        var length: SQLSMALLINT = 0
        let status = SQLGetDiagRec(kind, handle, 1, &state, &native, &message, SQLSMALLINT(message.count), &length)
        guard succeeded(status) else { return ("HY000", "the ODBC driver gave no message") }
        let text = String(decoding: message.prefix(Int(min(Int(length), message.count - 1))), as: UTF8.self)
        return (String(decoding: state.prefix(5), as: UTF8.self), text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A driver's error as idhealth reports errors: SQLSTATE, the message without the driver
    /// manager's bracketed prefixes, the statement.
    func error(_ kind: SQLSMALLINT, _ handle: SQLHANDLE, sql: String?) -> DatabaseError {
        let (state, message) = Self.diagnostic(kind, handle)
        let plain = message.replacingOccurrences(of: #"^(\[[^\]]*\])+\s*"#, with: "", options: .regularExpression)
        return DatabaseError(engine: engine, code: state, message: plain.replacingOccurrences(of: #"^ERROR:\s*"#, with: "", options: .regularExpression), sql: sql)
    }

    /// A text the driver tells about the connection (`SQLGetInfo`), empty when it does not.
    static func info(_ connection: SQLHDBC, _ type: SQLUSMALLINT) -> String {
        var buffer = [SQLCHAR](repeating: 0, count: 512)
        var length: SQLSMALLINT = 0
        guard succeeded(SQLGetInfo(connection, type, &buffer, SQLSMALLINT(buffer.count), &length)) else { return "" }
        return String(decoding: buffer.prefix(Int(min(Int(length), buffer.count - 1))), as: UTF8.self)
    }
}

/// The values of one statement as ODBC parameter buffers, typed so that the server compares
/// them as it would the native connection's (a whole number as `BIGINT`, text as text).
final class ParameterBuffers {
    struct Binding {
        let cType: SQLSMALLINT
        let sqlType: SQLSMALLINT
        let columnSize: SQLULEN
        let buffer: UnsafeMutableRawPointer
        let bufferLength: SQLLEN
        let indicator: UnsafeMutablePointer<SQLLEN>
    }

    let bindings: [Binding]

    init(_ values: [SQLValue]) {
        bindings = values.map { value in
            let indicator = UnsafeMutablePointer<SQLLEN>.allocate(capacity: 1)
            switch value {
            case .null:
                indicator.pointee = idhealth_sql_null_data
                return Binding(cType: SQLSMALLINT(SQL_C_CHAR), sqlType: SQLSMALLINT(SQL_VARCHAR), columnSize: 1,
                               buffer: UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1), bufferLength: 0, indicator: indicator)
            case .integer(let number):
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
                buffer.storeBytes(of: number, as: Int64.self)
                indicator.pointee = 8
                return Binding(cType: SQLSMALLINT(SQL_C_SBIGINT), sqlType: SQLSMALLINT(SQL_BIGINT), columnSize: 19, buffer: buffer, bufferLength: 8, indicator: indicator)
            case .real(let number):
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
                buffer.storeBytes(of: number, as: Double.self)
                indicator.pointee = 8
                return Binding(cType: SQLSMALLINT(SQL_C_DOUBLE), sqlType: SQLSMALLINT(SQL_DOUBLE), columnSize: 15, buffer: buffer, bufferLength: 8, indicator: indicator)
            case .text(let text):
                let bytes = Array(text.utf8)
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
                bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(buffer), byteCount: bytes.count) }
                indicator.pointee = SQLLEN(bytes.count)
                return Binding(cType: SQLSMALLINT(SQL_C_CHAR), sqlType: SQLSMALLINT(SQL_VARCHAR), columnSize: SQLULEN(max(bytes.count, 1)),
                               buffer: buffer, bufferLength: SQLLEN(bytes.count), indicator: indicator)
            }
        }
    }

    func free() {
        for binding in bindings {
            binding.buffer.deallocate()
            binding.indicator.deallocate()
        }
    }
}

/// The statement a connection runs now, cancelled from another thread with `SQLCancel`,
/// which ODBC allows for exactly this (https://learn.microsoft.com/sql/odbc/reference/syntax/sqlcancel-function).
final class RunningStatement: DatabaseInterrupter, @unchecked Sendable {
    private let lock = NSLock()
    private var statement: SQLHSTMT?

    func set(_ statement: SQLHSTMT?) {
        lock.lock()
        self.statement = statement
        lock.unlock()
    }

    func interrupt() {
        lock.lock()
        defer { lock.unlock() }
        if let statement { SQLCancel(statement) }
    }
}

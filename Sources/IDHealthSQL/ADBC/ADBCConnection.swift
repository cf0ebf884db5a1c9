import CADBC
import Foundation

/// A connection through an ADBC driver: an `AdbcDatabase` with the driver's options and one
/// `AdbcConnection` to it, and statements run on it one at a time.
///
/// This is the transport only, as ``ODBCConnection`` is for ODBC: values bound as a one-row
/// Arrow batch (``ArrowParameterBatch``), rows read batch by batch from the result stream
/// (``ArrowStreamReader``), transactions through the connection's autocommit option and
/// `AdbcConnectionCommit`/`Rollback`, a running statement stopped with `AdbcStatementCancel`.
/// What the engine says in SQL is its session's. Errors keep the driver's SQLSTATE and message
/// and the statement, never an option's value (a password, a token).
final class ADBCConnection {
    let driver: ADBCDriver
    let engine: Dialect.Engine
    private let database: UnsafeMutablePointer<AdbcDatabase>
    private let connection: UnsafeMutablePointer<AdbcConnection>
    /// The statement running now, for ``interrupter``.
    let running = ADBCRunningStatement()
    /// Whether a transaction begun with `BEGIN` is open (autocommit off).
    private(set) var inTransaction = false

    /// Whether `BEGIN`, `COMMIT` and `ROLLBACK` do nothing and every statement commits on its
    /// own: only for fakesnow's server (a DSN with `account=fakesnow`), which fails a write
    /// after a read once autocommit is off and a `BEGIN` sent as a statement. What a
    /// transaction holds together is therefore not proven on that stand-in (docs/warehouses.md).
    var autocommitOnly = false

    /// Whether values go into the statement as literals the dialect quotes, not as bound
    /// parameters: on Snowflake inside a transaction, because the stand-in's server
    /// (fakesnow 0.12) fails any statement with parameters once autocommit is off (HTTP 500,
    /// "cannot start a transaction within a transaction"). Real Snowflake takes either.
    var inlinesValues: Bool { inTransaction && engine == .snowflake }
    /// Whether the driver binds a NULL. The Spark driver (0.3) binds no value of Arrow's null
    /// type (`cannot bind parameter of Arrow type null`): a statement with one goes with
    /// every value as the dialect's literal instead.
    var bindsNull: Bool { engine != .databricks }
    /// The option values that are secrets, taken out of any message a driver writes.
    private let secrets: [String]

    /// Opens the driver's database with `options` (its own keys: `uri`, `username`, …) and
    /// connects. `secrets` are values to keep out of messages.
    init(driver: ADBCDriver, engine: Dialect.Engine, options: [(key: String, value: String)], secrets: [String]) throws {
        self.driver = driver
        self.engine = engine
        self.secrets = secrets.filter { !$0.isEmpty }
        database = .allocate(capacity: 1)
        database.initialize(to: AdbcDatabase())
        connection = .allocate(capacity: 1)
        connection.initialize(to: AdbcConnection())
        let table = driver.table.pointee
        do {
            try call("opening the ADBC database") { table.DatabaseNew!(database, $0) }
            for option in options {
                try call("setting the ADBC option \(option.key)") { table.DatabaseSetOption!(database, option.key, option.value, $0) }
            }
            try call("connecting") { table.DatabaseInit!(database, $0) }
            try call("connecting") { table.ConnectionNew!(connection, $0) }
            try call("connecting") { table.ConnectionInit!(connection, database, $0) }
        } catch {
            release()
            throw error
        }
    }

    deinit {
        release()
    }

    private func release() {
        let table = driver.table.pointee
        let error = ADBCErrorSlot()
        if connection.pointee.private_data != nil { _ = table.ConnectionRelease?(connection, error.pointer) }
        if database.pointee.private_data != nil { _ = table.DatabaseRelease?(database, ADBCErrorSlot().pointer) }
    }

    // MARK: - Statements

    /// Runs one statement; returns the rows it changed (0 when the driver cannot say).
    func execute(_ rendered: RenderedSQL) throws -> Int {
        if rendered.bindings.isEmpty, let command = TransactionCommand(rendered.text) {
            try transaction(command, sql: rendered.text)
            return 0
        }
        return try withStatement(rendered) { statement in
            var affected: Int64 = -1
            try call("running", sql: rendered.text) { driver.table.pointee.StatementExecuteQuery!(statement, nil, &affected, $0) }
            return max(Int(affected), 0)
        }
    }

    /// Streams the rows of one query to `body` until it returns `false`.
    func forEachRow(_ rendered: RenderedSQL, _ body: (Row) throws -> Bool) throws {
        try withStatement(rendered) { statement in
            let reader = ArrowStreamReader()
            var affected: Int64 = -1
            try call("running", sql: rendered.text) { driver.table.pointee.StatementExecuteQuery!(statement, reader.stream, &affected, $0) }
            do {
                try reader.forEachRow(body)
            } catch let error as ArrowError {
                throw DatabaseError(engine: engine, code: "22000", message: redact(error.description), sql: rendered.text)
            }
        }
    }

    /// Runs each statement of a script in turn (a driver takes one statement a call).
    func executeScript(_ rendered: RenderedSQL) throws {
        guard rendered.bindings.isEmpty else {
            throw DatabaseError(engine: engine, code: "42P02", message: "a script cannot bind values", sql: rendered.text)
        }
        for statement in ScriptSplitter.statements(rendered.text) {
            _ = try execute(RenderedSQL(text: statement, bindings: [], labels: []))
        }
    }

    /// A new statement with the SQL set and the values bound, released after `body`.
    private func withStatement<T>(_ rendered: RenderedSQL, _ body: (UnsafeMutablePointer<AdbcStatement>) throws -> T) throws -> T {
        let table = driver.table.pointee
        let statement = UnsafeMutablePointer<AdbcStatement>.allocate(capacity: 1)
        statement.initialize(to: AdbcStatement())
        defer {
            running.finish()
            if statement.pointee.private_data != nil { _ = table.StatementRelease?(statement, ADBCErrorSlot().pointer) }
            statement.deallocate()
        }
        try call("preparing", sql: rendered.text) { table.StatementNew!(connection, statement, $0) }
        try call("preparing", sql: rendered.text) { table.StatementSetSqlQuery!(statement, rendered.text, $0) }
        if !rendered.bindings.isEmpty {
            let schema = UnsafeMutablePointer<ArrowSchema>.allocate(capacity: 1)
            let array = UnsafeMutablePointer<ArrowArray>.allocate(capacity: 1)
            schema.initialize(to: ArrowSchema())
            array.initialize(to: ArrowArray())
            defer {
                // The driver moved what it kept; what it did not take is released here.
                if let release = array.pointee.release { release(array) }
                if let release = schema.pointee.release { release(schema) }
                schema.deallocate()
                array.deallocate()
            }
            ArrowParameterBatch.fill(rendered.bindings, typedNulls: engine != .postgres, schema: schema, array: array)
            try call("binding values", sql: rendered.text) { table.StatementBind!(statement, array, schema, $0) }
        }
        running.start(driver: driver, statement: statement)
        return try body(statement)
    }

    // MARK: - Transactions

    private func transaction(_ command: TransactionCommand, sql: String) throws {
        if autocommitOnly { return }
        let table = driver.table.pointee
        switch command {
        case .begin:
            try call("beginning a transaction", sql: sql) { table.ConnectionSetOption!(connection, "adbc.connection.autocommit", "false", $0) }
            inTransaction = true
        case .commit, .rollback:
            guard inTransaction else { return }
            inTransaction = false
            var failure: Error?
            do {
                try call(command == .commit ? "committing" : "rolling back", sql: sql) {
                    command == .commit ? table.ConnectionCommit!(connection, $0) : table.ConnectionRollback!(connection, $0)
                }
            } catch {
                failure = error
            }
            try call("ending a transaction", sql: sql) { table.ConnectionSetOption!(connection, "adbc.connection.autocommit", "true", $0) }
            if let failure { throw failure }
        }
    }

    // MARK: - Errors

    /// Calls the driver with a fresh error slot; a status other than OK is a ``DatabaseError``
    /// with the driver's SQLSTATE (or the ADBC status) and message.
    private func call(_ doing: String, sql: String? = nil, _ body: (UnsafeMutablePointer<AdbcError>) -> AdbcStatusCode) throws {
        let error = ADBCErrorSlot()
        let status = body(error.pointer)
        guard status != ADBC_STATUS_OK else { return }
        var message = redact(error.message ?? "the driver gave no message")
        // The PostgreSQL driver appends the whole statement, which the error carries already.
        if let echo = message.range(of: "\nQuery was:") { message = String(message[..<echo.lowerBound]) }
        // Spark follows its message with the whole analyzed plan, from `; line N pos M;` on.
        if let plan = message.range(of: #"; line \d+ pos \d+;"#, options: .regularExpression) { message = String(message[..<plan.lowerBound]) }
        let code = error.sqlstate ?? Self.statusName(status)
        throw DatabaseError(engine: engine, code: code, message: sql == nil ? "\(doing): \(message)" : message, sql: sql)
    }

    /// The message without any secret option value the driver may have echoed.
    func redact(_ message: String) -> String {
        secrets.reduce(message) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// ADBC's status codes by name, for an error without a SQLSTATE.
    static func statusName(_ status: AdbcStatusCode) -> String {
        let names = ["OK", "UNKNOWN", "NOT_IMPLEMENTED", "NOT_FOUND", "ALREADY_EXISTS", "INVALID_ARGUMENT", "INVALID_STATE",
                     "INVALID_DATA", "INTEGRITY", "INTERNAL", "IO", "CANCELLED", "TIMEOUT", "UNAUTHENTICATED", "UNAUTHORIZED"]
        return Int(status) < names.count ? "ADBC_" + names[Int(status)] : "ADBC_\(status)"
    }
}

/// The statement an ADBC connection is running, cancelled from another thread (a signal
/// handler's) with `AdbcStatementCancel`, which ADBC 1.1 lets any thread call.
final class ADBCRunningStatement: DatabaseInterrupter, @unchecked Sendable {
    // @unchecked Sendable: every field is read and written under `lock`.
    private let lock = NSLock()
    private var driver: ADBCDriver?
    private var statement: UnsafeMutablePointer<AdbcStatement>?

    func start(driver: ADBCDriver, statement: UnsafeMutablePointer<AdbcStatement>) {
        lock.lock()
        defer { lock.unlock() }
        self.driver = driver
        self.statement = statement
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        statement = nil
    }

    func interrupt() {
        lock.lock()
        defer { lock.unlock() }
        guard let driver, let statement, let cancel = driver.table.pointee.StatementCancel else { return }
        _ = cancel(statement, ADBCErrorSlot().pointer)
    }
}
